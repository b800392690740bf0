"""Paper-style tables and figure (Table 1, Figure 2, Table 2) from asng-nas run folders."""
