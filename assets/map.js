// replaced by the map page's script
