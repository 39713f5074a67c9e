"""The community satisfaction survey (Survei Kepuasan Masyarakat, PermenPANRB 14/2017).

A ``Questionnaire`` is one version of the nine elements (unsur U1–U9) and their four
answer labels; every ``SurveyResponse`` keeps the version it was given on, so a later
change of wording never rewrites old answers. A response is anonymous: it names the
service delivered (visit, agency, service, booth ticket), never the resident.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel

ELEMENT_COUNT = 9
ANSWER_FIELDS = tuple(f"u{i}" for i in range(1, ELEMENT_COUNT + 1))


class Questionnaire(TimeStampedModel):
    """One version of the SKM questionnaire. Exactly one is current: new responses
    are given on it; older versions stay for the answers that were given on them."""

    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    legal_basis = models.CharField(
        _("legal basis"), max_length=200, default="PermenPANRB No. 14 Tahun 2017"
    )
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="surveys_questionnaire_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"SKM v{self.version}"


class Element(models.Model):
    """One element (unsur) of a questionnaire version, with its four answer labels:
    label_1 scores 1 (worst) … label_4 scores 4 (best)."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="elements",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=4)
    name = models.CharField(_("element"), max_length=120)
    question = models.CharField(_("question"), max_length=300)
    definition = models.CharField(_("definition"), max_length=300, blank=True)
    label_1 = models.CharField(_("answer 1"), max_length=60)
    label_2 = models.CharField(_("answer 2"), max_length=60)
    label_3 = models.CharField(_("answer 3"), max_length=60)
    label_4 = models.CharField(_("answer 4"), max_length=60)

    class Meta:
        verbose_name = _("element")
        verbose_name_plural = _("elements")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="surveys_element_position"
            ),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=ELEMENT_COUNT),
                name="surveys_element_position_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def labels(self) -> tuple[str, str, str, str]:
        return (self.label_1, self.label_2, self.label_3, self.label_4)


class SurveyResponse(TimeStampedModel):
    """One filled questionnaire about one service delivered at a visit.

    At most one per booth ticket: the one-to-one field is the backstop of the check
    in ``actions.submit_response``. Paper questionnaires entered by staff may have no
    ticket. The evaluation reports aggregate ``visit``, ``agency``, ``service``,
    ``day``, ``u1``…``u9``, ``sex`` and ``questionnaire`` directly: keep the names.
    """

    class Session(models.TextChoices):
        MORNING = "morning", _("08.00–12.00")
        AFTERNOON = "afternoon", _("13.00–17.00")

    class Channel(models.TextChoices):
        KIOSK = "kiosk", _("Kiosk at the exit")
        QR = "qr", _("QR code on the ticket")
        PAPER = "paper", _("Paper questionnaire")

    class Sex(models.TextChoices):
        MALE = "L", _("Male")
        FEMALE = "P", _("Female")

    class Education(models.TextChoices):
        # The categories of the regulation's template (SD, SMP, SMA, S1, S2, S3).
        SD = "sd", _("Primary school (SD) or less")
        SMP = "smp", _("Junior high school (SMP)")
        SMA = "sma", _("Senior high school (SMA/SMK)")
        S1 = "s1", _("Diploma or bachelor (D3/S1)")
        S2 = "s2", _("Master (S2)")
        S3 = "s3", _("Doctorate (S3)")

    class Occupation(models.TextChoices):
        PNS = "pns", _("Civil servant (PNS)")
        TNI = "tni", _("TNI")
        POLRI = "polri", _("POLRI")
        PRIVATE = "swasta", _("Private employee")
        ENTREPRENEUR = "wirausaha", _("Entrepreneur")
        OTHER = "lainnya", _("Other")

    uuid = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Made by the client: a replayed submission is a no-op."),
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    ticket = models.OneToOneField(
        "queueing.Ticket",
        verbose_name=_("queue ticket"),
        null=True,
        blank=True,
        # Tickets are never deleted in use (service records protect them); should one
        # go, its answers stay as an anonymous response of the visit.
        on_delete=models.SET_NULL,
        related_name="survey_response",
    )
    regency = models.ForeignKey(
        "regions.Regency", verbose_name=_("regency"), on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        on_delete=models.CASCADE,  # like its participations and booths
        related_name="survey_responses",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="survey_responses",
    )
    service = models.ForeignKey(
        "agencies.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    day = models.DateField(_("survey date"))
    session = models.CharField(_("survey time"), max_length=10, choices=Session)
    channel = models.CharField(_("channel"), max_length=6, choices=Channel)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex)
    age = models.PositiveSmallIntegerField(_("age"))
    education = models.CharField(_("education"), max_length=4, choices=Education)
    occupation = models.CharField(_("occupation"), max_length=10, choices=Occupation)
    occupation_other = models.CharField(_("other occupation"), max_length=60, blank=True)
    u1 = models.PositiveSmallIntegerField("U1")
    u2 = models.PositiveSmallIntegerField("U2")
    u3 = models.PositiveSmallIntegerField("U3")
    u4 = models.PositiveSmallIntegerField("U4")
    u5 = models.PositiveSmallIntegerField("U5")
    u6 = models.PositiveSmallIntegerField("U6")
    u7 = models.PositiveSmallIntegerField("U7")
    u8 = models.PositiveSmallIntegerField("U8")
    u9 = models.PositiveSmallIntegerField("U9")
    suggestion = models.TextField(_("suggestion"), blank=True, max_length=1000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The officer who typed in a paper questionnaire."),
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-created_at", "-id"]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{field}__gte": 1, f"{field}__lte": 4}),
                    name=f"surveys_response_{field}_scale",
                    violation_error_message=_("Every answer scores 1 to 4."),
                )
                for field in ANSWER_FIELDS
            ),
            models.CheckConstraint(
                condition=models.Q(age__gte=10, age__lte=110),
                name="surveys_response_age_range",
            ),
        ]
        indexes = [
            # The per-visit results and the laporan pelaksanaan: sums per agency.
            models.Index(fields=["visit", "agency"], name="surveys_response_visit"),
            # The period report and trends of a regency: a range of days.
            models.Index(fields=["regency", "day"], name="surveys_response_period"),
            # The results page of one agency over a period.
            models.Index(fields=["agency", "day"], name="surveys_response_agency"),
        ]

    def __str__(self) -> str:
        return f"SKM #{self.pk} {self.day:%d-%m-%Y}"

    @property
    def answers(self) -> tuple[int, ...]:
        return tuple(int(getattr(self, field)) for field in ANSWER_FIELDS)
