"""Analysis: taggers, tagging tasks, statistics and reindexing arrive with the tagging issue."""
