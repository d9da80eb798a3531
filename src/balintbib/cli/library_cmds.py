"""list, check, convert."""
