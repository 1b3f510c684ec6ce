"""neuraltypes: neural types for PyTorch."""
