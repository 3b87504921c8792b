"""Vocabularies of the intake: intake and referral states, the fields a desk may receive,
channels, payment methods, services of desks, and the limits of the wizard."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent: money may still be stopped")
    NORMAL = "normal", _("Normal")


class VictimType(models.TextChoices):
    PERSON = "person", _("A person")
    BUSINESS = "business", _("A business or organisation")


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REFERRED_ON = "referred_on", _("Referred on")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


# Transitions a desk may make; withdrawal is the victim's, never the desk's.
DESK_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.RECEIVED: frozenset({ReferralStatus.IN_PROGRESS, ReferralStatus.REFERRED_ON}),
    ReferralStatus.IN_PROGRESS: frozenset({ReferralStatus.DONE, ReferralStatus.REFERRED_ON}),
    ReferralStatus.DONE: frozenset(),
    ReferralStatus.REFERRED_ON: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
}
OPEN_REFERRAL_STATUSES = frozenset({ReferralStatus.RECEIVED, ReferralStatus.IN_PROGRESS})


class HistoryEvent(models.TextChoices):
    """What a history row of a referral records (a status change, or a message)."""

    STATUS = "status", _("Status change")
    INFO_REQUESTED = "info_requested", _("The desk asked for more information")
    INFO_ADDED = "info_added", _("The victim added information")


class ReferralMethod(models.TextChoices):
    WEBHOOK = "webhook", _("Signed webhook to the desk's own system")
    EMAIL = "email", _("E-mail to the desk")
    PORTAL = "portal", _("Desk inbox in the Ketenwacht portal")
    NONE = "none", _("No warm referral (the victim contacts the desk)")


class DeskKind(models.TextChoices):
    POLICE = "police", _("Police")
    REPORTING_DESK = "reporting_desk", _("Reporting desk")
    VICTIM_SUPPORT = "victim_support", _("Victim support")
    REGULATOR = "regulator", _("Regulator")
    CONSUMER = "consumer", _("Consumer organisation")
    LEGAL = "legal", _("Legal aid")
    BANK = "bank", _("Bank")


class DeskService(models.TextChoices):
    REPORT = "report", _("Take a report")
    BLOCK = "block", _("Block accounts or payments")
    ADVICE = "advice", _("Advice")
    EMOTIONAL_SUPPORT = "emotional_support", _("Emotional support")
    DAMAGE_RECOVERY = "damage_recovery", _("Help to recover damage")


class DeskChannel(models.TextChoices):
    PHONE = "phone", _("Telephone")
    WEB_FORM = "web_form", _("Online form")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    COUNTER = "counter", _("Visit")


class FraudChannel(models.TextChoices):
    """How the fraudster reached the victim."""

    PHONE = "phone", _("Telephone call")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("Text message (SMS)")
    EMAIL = "email", _("E-mail")
    MARKETPLACE = "marketplace", _("Marketplace (e.g. Marktplaats)")
    SOCIAL_MEDIA = "social_media", _("Social media")
    DATING_SITE = "dating_site", _("Dating site or app")
    WEBSHOP = "webshop", _("Web shop")
    OTHER = "other", _("Other")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    PAYMENT_REQUEST = "payment_request", _("Payment request or iDEAL link")
    CARD = "card", _("Credit or debit card")
    CRYPTO = "crypto", _("Cryptocurrency")
    GIFT_CARD = "gift_card", _("Gift cards or vouchers")
    CASH = "cash", _("Cash, bank card or valuables handed over")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", _("Under 25")
    FROM_25 = "25_44", _("25 to 44")
    FROM_45 = "45_64", _("45 to 64")
    FROM_65 = "65_74", _("65 to 74")
    FROM_75 = "75_plus", _("75 or older")


class IntakeField(models.TextChoices):
    """Every field a desk's field policy may name. A payload holds only the named ones."""

    FRAUD_TYPES = "fraud_types", _("Kind of fraud")
    URGENCY = "urgency", _("Urgency")
    VICTIM_TYPE = "victim_type", _("Person or business")
    KVK_NUMBER = "kvk_number", _("KvK number of the business")
    HAPPENED_ON = "happened_on", _("When it happened")
    AMOUNT = "amount", _("Amount lost")
    PAYMENT_METHOD = "payment_method", _("How you paid")
    CHANNEL = "channel", _("How the fraudster contacted you")
    IDENTIFIERS = "identifiers", _("The fraudster's account numbers, phone numbers, addresses")
    VICTIM_BANK = "victim_bank", _("Your bank")
    AGE_BAND = "age_band", _("Your age group")
    POSTCODE = "postcode", _("The digits of your postcode")
    STORY = "story", _("What happened, in your words")
    CONTACT_NAME = "contact_name", _("Your name")
    CONTACT_EMAIL = "contact_email", _("Your e-mail address")
    CONTACT_PHONE = "contact_phone", _("Your telephone number")


CONTACT_FIELDS = frozenset(
    {IntakeField.CONTACT_NAME, IntakeField.CONTACT_EMAIL, IntakeField.CONTACT_PHONE}
)


class QuestionKind(models.TextChoices):
    """The input types a questionnaire question can have."""

    CHOICE = "choice", _("One answer from a list")
    AMOUNT = "amount", _("Amount in euros")
    DATE = "date", _("Date")
    IDENTIFIERS = "identifiers", _("Identifiers of the fraudster")
    TEXT = "text", _("Free text")
    KVK = "kvk", _("KvK number")
    POSTCODE = "postcode", _("Four-digit postcode")
    BANK = "bank", _("The victim's bank, from the desk directory")


# Roles a victim can give an identifier (identifiers.constants.IdentifierRole values).
IDENTIFIER_ROLE_LABELS: dict[str, object] = {
    "beneficiary_account": _("Bank account I paid to"),
    "caller_number": _("Telephone number that called me"),
    "sender_number": _("Number that sent a text or WhatsApp message"),
    "sender_address": _("E-mail address that wrote to me"),
    "phishing_url": _("Link or website where I entered details"),
    "webshop_domain": _("Web shop address"),
    "seller_account": _("Account name on a marketplace or social media"),
    "wallet_address": _("Crypto wallet address"),
    "other": _("Something else"),
}

FIELD_END = "end"  # the node id that ends the questionnaire

# Limits of the wizard: a victim types, so be generous but bounded.
MAX_TEXT_LENGTH = 4000
MAX_IDENTIFIERS = 10
IDENTIFIER_ROWS_SHOWN = 3
MAX_AMOUNT_EUROS = 100_000_000
MAX_VALUE_LENGTH = 300
MAX_INFO_LENGTH = 4000
MAX_QUESTIONNAIRE_BYTES = 512 * 1024

# Reference codes: Crockford's base32 (no I, L, O, U), two groups of four: KW-7F3K-9QPD.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "KW"

# Retention (ADR 0003): drafts, intakes without referral, and the floor for desks.
DRAFT_RETENTION_DAYS = 30
NO_REFERRAL_RETENTION_DAYS = 365
DEFAULT_DESK_RETENTION_DAYS = 365

# Status page: attempts per client address per window (a wrong secret is a 404 like a typo).
STATUS_PAGE_RATE = "120/minute"
VALIDATE_RATE = "120/minute"

INBOX_PAGE_SIZE = 50

ENCRYPTION_ANSWERS = "intake-answers"
ENCRYPTION_CONTACT = "intake-contact"
ENCRYPTION_PAYLOAD = "intake-referral-payload"
ENCRYPTION_MESSAGE = "intake-message"
