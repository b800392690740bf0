"""The toy study of the paper (section 3.1, figures 1 and 3): the selective squared error function."""
