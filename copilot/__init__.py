"""Kefu Copilot (客服副驾): reply suggestions and lint for Chinese e-commerce customer service."""

__version__ = "0.1.0"
