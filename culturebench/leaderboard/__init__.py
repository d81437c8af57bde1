"""The leaderboard's data: runs collected into one results file per model run and a tidy table."""
