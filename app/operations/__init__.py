"""Running the platform: incidents recorded where a background step or a
stored file failed, and the start-up checks that keep production from running with unsafe settings."""
