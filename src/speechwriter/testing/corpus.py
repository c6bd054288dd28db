"""The real texts the grounding targets are measured on, shared by the bench and the tests.

Texts of different kinds — national, provincial, city, district and county government work reports,
and two speeches — each drafted in the genre closest to it. The files live in ``../shared/corpus``
beside a checkout; they are read, never copied into the project.
"""

from __future__ import annotations

__all__ = ["GROUNDING_CASES"]

GROUNDING_CASES: tuple[tuple[str, str], ...] = (
    ("01_national-gov-report-2022.txt", "work_report"),
    ("20_hebei-province-gov-report-2001.txt", "annual_summary"),
    ("02_baoding-city-gov-report-2022.txt", "work_report"),
    ("04_hailar-district-gov-report-2019.txt", "annual_summary"),
    ("15_lixian-county-gov-report-2020.txt", "work_report"),
    ("31_xi-shenzhen-sez-40th-anniversary-speech-2020.txt", "leader_speech"),
    ("32_xi-entrepreneurs-symposium-speech-2020.txt", "leader_speech"),
)
