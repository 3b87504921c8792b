from ketenwacht.release.tests.factories import handler

__all__ = ["handler"]
