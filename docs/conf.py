"""Sphinx configuration for skadapt's documentation."""

import os

import skadapt

project = "skadapt"
author = "The skadapt developers"
release = skadapt.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
]
plot_html_show_source_link = False
plot_html_show_formats = False
try:  # the gallery is optional so the API pages build without it
    import sphinx_gallery  # noqa: F401

    extensions.append("sphinx_gallery.gen_gallery")
    sphinx_gallery_conf = {
        "examples_dirs": "../examples",
        "gallery_dirs": "auto_examples",
        "filename_pattern": "/plot_",
    }
except ImportError:
    pass

autosummary_generate = True
numpydoc_show_class_members = False
templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
# Links to the Python, NumPy and scikit-learn docs need their inventories from
# the network: opt in with SKADAPT_DOCS_INTERSPHINX=1 (an offline build, the
# default, leaves those references as plain text instead of warning).
intersphinx_mapping = (
    {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }
    if os.environ.get("SKADAPT_DOCS_INTERSPHINX") == "1"
    else {}
)
