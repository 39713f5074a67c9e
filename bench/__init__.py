"""The queue benchmark behind ``make bench`` (see bench/README.md). Not part of the app."""
