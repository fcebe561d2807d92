"""The composite year-end scorecard (考核方案): sections and items, scoring methods, totals."""
