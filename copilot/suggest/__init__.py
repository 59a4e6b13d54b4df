"""Suggest: phrase index, intent detection, ranking, template rendering."""
