"""Setuptools, plus one step: compile the gettext catalogues (see catalogs.py) before anything is built."""

from __future__ import annotations

from catalogs import compile_catalogs
from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - re-export every hook we do not wrap


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    compile_catalogs()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    compile_catalogs()
    return _setuptools.build_sdist(sdist_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    compile_catalogs()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
