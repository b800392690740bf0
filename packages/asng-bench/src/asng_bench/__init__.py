"""asng_bench: benchmarks and paper-style studies for asng-opt and asng-nas."""

__version__ = "0.1.0"
