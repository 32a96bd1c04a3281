"""Teams (班组), their pre-shift meetings (班前每人一分钟) and workers' hazard reports."""

from flask import Blueprint

bp = Blueprint("shifts", __name__)
