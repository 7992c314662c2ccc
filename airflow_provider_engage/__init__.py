"""Apache Airflow provider for engagement campaigns (EngageLab AppPush, Alibaba Cloud PAI)."""

__version__ = "0.1.0"
