"""Packages of asebench: the ``asebench`` tree, plus the repository's top-level ``data/``
folder installed as ``asebench._data`` (the one copy of the embedded table, its checksum,
provenance and licences; the rest of the metadata is in setup.cfg)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["asebench", "asebench.*"]), "asebench._data"],
    package_dir={"asebench._data": "data"},
)
