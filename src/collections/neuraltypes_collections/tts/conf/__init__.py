"""Model configs (`model/*.yaml`) of the TTS Hydra training examples."""
