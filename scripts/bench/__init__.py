"""The measurements behind `scripts/benchmark.py`: one module per subcommand, their shared helpers in `common`."""
