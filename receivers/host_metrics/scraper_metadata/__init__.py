"""Go's hostmetrics scraper metadata (one YAML file per scraper), read by ``..mdata``."""
