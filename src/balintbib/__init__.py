"""balintbib: a medical society's shared, annotated bibliography."""

__version__ = "0.1.0"
