"""Vector stores: one module per backend (base.py says what each must do), chosen in factory.py."""
