"""The platform side of a recognition: when a recognition award of the programmes app is approved,
the platform it names is created or activated (``services.recognise_from_award``). The programmes app
does not know this app; this receiver listens to its awards being saved."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from kechuang.programs.models import Award, Transition


@receiver(post_save, sender=Transition, dispatch_uid="platforms_recognition_on_award")
def _on_award_transition(sender, instance: Transition, created: bool, **kwargs) -> None:
    # The audit row of an award's approval carries who approved it; the award itself does not.
    if not created or instance.action != "approve" or instance.to_status != Award.Status.APPROVED:
        return
    if instance.content_type.model_class() is not Award:
        return
    from . import services

    award = Award.objects.select_related("call__programme_type", "application").get(pk=instance.object_id)
    services.recognise_from_award(award, instance.actor)
