"""Production settings: absolute URLs, no drafts, strict checks."""

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).parent))
from pelicanconf import *  # noqa: F403

SITEURL = SITE_CANONICAL_URL  # noqa: F405
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True

# Drafts and scheduled posts are never written in a publish build.
DRAFT_SAVE_AS = ""
DRAFT_URL = ""
LOAD_CONTENT_CACHE = False

# Problems in content are errors, not warnings.
CONTENT_CHECKS_STRICT = True
TAXONOMY_STRICT = True

# Where `invoke publish` sends the site.
SSH_HOST = "thenextsale.example"
SSH_PORT = 22
SSH_USER = "deploy"
SSH_TARGET_DIR = "/var/www/thenextsale"
GITHUB_PAGES_BRANCH = "gh-pages"
