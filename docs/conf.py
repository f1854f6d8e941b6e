"""Sphinx configuration for skadapt's documentation."""

import os

from docutils.parsers.rst.directives.images import Image

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
# The gallery runs every example (most of a full build's time): opt out with
# SKADAPT_DOCS_NO_GALLERY=1 for quick builds of the other pages. Without it the
# gallery's toctree entry in index.rst and its images (``gallery-image``) are
# left out, so such a build has no warning of its own.
gallery = os.environ.get("SKADAPT_DOCS_NO_GALLERY") != "1"
if gallery:
    try:  # the gallery is optional so the API pages build without it
        import sphinx_gallery  # noqa: F401
    except ImportError:
        gallery = False
if gallery:
    extensions.append("sphinx_gallery.gen_gallery")
    sphinx_gallery_conf = {
        "examples_dirs": "../examples",
        "gallery_dirs": "auto_examples",
        "filename_pattern": "/plot_",
    }

autosummary_generate = True
numpydoc_show_class_members = False
templates_path = ["_templates"]
exclude_patterns = ["_build"] + (
    [] if gallery else ["auto_examples", "sg_execution_times.rst"]
)
html_theme = "pydata_sphinx_theme"
# a short title: the theme's default "<project> <release> documentation" runs
# into the navbar links at common widths
html_title = f"skadapt {release}"
html_theme_options = {"navbar_align": "left", "header_links_before_dropdown": 5}
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


class GalleryImage(Image):
    """``.. gallery-image::``: an image that sphinx-gallery makes.

    Same options as ``.. image::``; nothing is emitted when the gallery is off.
    """

    def run(self):
        return super().run() if gallery else []


def _drop_gallery_entry(app, docname, source):
    # The gallery's index exists only when sphinx-gallery writes it.
    if docname == "index" and not gallery:
        source[0] = source[0].replace("\n   auto_examples/index\n", "\n")


def setup(app):
    app.add_directive("gallery-image", GalleryImage)
    app.connect("source-read", _drop_gallery_entry)
