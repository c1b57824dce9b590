"""What a private key looks like, for the scans of the repository and of the image layers."""

import re

# A PEM private key block: the header, then key material (not just the words, which libraries
# and docs contain). Written so that this file's own source does not match it.
PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\s+[A-Za-z0-9+/=\s:,-]{64,}")
MAX_SCANNED = 5 * 1024 * 1024
