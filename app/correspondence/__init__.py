"""Outgoing correspondence documents (answer letters)."""

from .answer_pdf import AnswerLetter, render_answer_pdf, signature_boxes

__all__ = ["AnswerLetter", "render_answer_pdf", "signature_boxes"]
