"""doorstep — 春天里·家门口的服务: residential-compound governance for a Chinese city."""

__version__ = "0.1.0"
