"""The release worker: claims release jobs, runs them against the carrier, retries."""
