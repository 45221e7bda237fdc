"""Harnesses for real third-party peers (an xAPI LRS, a fault-injecting proxy) used by the tests."""
