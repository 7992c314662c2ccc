"""Sensors: wait until a scheduled push has fired, push plans have ids, a PAI plan has sent."""
