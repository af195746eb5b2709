"""Reports for managers: periods and KPI math (pure), the aggregating queries they need,
and `build`, which turns one period into the dict every renderer reads."""
