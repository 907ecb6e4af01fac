"""The placeholder vocabulary of the rules file's auto-replies (``auto_replies`` and ``then.auto_reply``).

The syntax, its checks and its rendering are ``hub.reply_templates``, shared with the canned replies.
"""

from __future__ import annotations

PLACEHOLDERS = {
    "tracking_code": "takip numarası",
    "department_name": "yönlendirilen birimin adı",
    "department": "birim kodu",
    "due_date": "son cevap tarihi (GG.AA.YYYY)",
    "sla_days": "cevap süresi (gün)",
    "sla_unit": "'gün' ya da 'iş günü'",
    "received_date": "başvuru tarihi (GG.AA.YYYY)",
    "topic": "konu kodu",
    "ilce": "ilçe",
    "mahalle": "mahalle",
    "channel": "başvuru kanalı",
    "citizen_name": "başvuranın adı (varsa)",
}
