"""Small pure helpers every topic uses: money, dates, language, identifiers, redaction."""
