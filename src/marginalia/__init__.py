"""marginalia: how big are reported ML improvements, really?"""

__version__ = "0.1.0"
