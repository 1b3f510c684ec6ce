"""Model configs (`model/*.yaml`) for `load_model_config` and the Hydra training example."""
