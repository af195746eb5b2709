"""aftersales-cli: the after-sales desk of a centralized catering company."""

__version__ = "0.1.0"
