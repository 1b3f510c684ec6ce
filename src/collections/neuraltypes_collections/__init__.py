"""neuraltypes collections: speech recognition, NLP and speech synthesis on typed contracts."""
