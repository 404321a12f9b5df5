"""TwiML for every node of the call tree. Pure builders: they take the language, texts and the
absolute webhook URLs, and return a :class:`VoiceResponse` (no network, no database)."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from core.ivr.prompts import LANGUAGE_WORDS, LANGUAGES, VOICES, text

MENU_SPEECH_MODEL = "numbers_and_commands"


def say(node, lang: str, message: str) -> None:
    language, voice = VOICES[lang]
    node.say(message, voice=voice, language=language)


def menu_gather(lang: str, action: str, *, num_digits: int | None = 1,
                finish_on_key: str | None = None, speech: bool = True,
                hints: str | None = None, timeout: int = 6, on_empty: bool = True) -> Gather:
    attrs = dict(action=action, method="POST", timeout=timeout, action_on_empty_result=on_empty,
                 language=VOICES[lang][0])
    if speech:
        attrs.update(input="dtmf speech", speech_model=MENU_SPEECH_MODEL, speech_timeout="auto")
        if hints:
            attrs["hints"] = hints
    else:
        attrs["input"] = "dtmf"
    if num_digits:
        attrs["num_digits"] = num_digits
    if finish_on_key:
        attrs["finish_on_key"] = finish_on_key
    return Gather(**attrs)


def language_menu(ente_name: str, action: str, prefix: str = "") -> VoiceResponse:
    """Italian first; each language offered in its own voice; keys 1–5 or speech."""
    vr = VoiceResponse()
    hints = ", ".join(words[0] for words in LANGUAGE_WORDS.values())
    g = menu_gather("it", action, hints=hints)
    if prefix:
        say(g, "it", prefix)
    say(g, "it", text("it", "welcome", ente=ente_name))
    for lang in LANGUAGES:
        say(g, lang, text(lang, "choose_language"))
    say(g, "it", text("it", "nav"))
    vr.append(g)
    return vr


def menu(lang: str, key: str, action: str, prefix: str = "", **values) -> VoiceResponse:
    """A one-key menu: the prompt ``key`` followed by the repeat/back hint."""
    vr = VoiceResponse()
    g = menu_gather(lang, action)
    if prefix:
        say(g, lang, prefix)
    say(g, lang, text(lang, key, **values))
    say(g, lang, text(lang, "nav"))
    vr.append(g)
    return vr


def keypad_entry(lang: str, key: str, action: str, prefix: str = "") -> VoiceResponse:
    """Digits ended by # (verbale number, PIN): keypad only."""
    vr = VoiceResponse()
    g = menu_gather(lang, action, num_digits=None, finish_on_key="#", speech=False, timeout=10)
    if prefix:
        say(g, lang, prefix)
    say(g, lang, text(lang, key))
    say(g, lang, text(lang, "nav"))
    vr.append(g)
    return vr


def enqueue(lang: str, queue_name: str, wait_url: str, prefix: str = "",
            action: str | None = None) -> VoiceResponse:
    """``<Enqueue>``: ``waitUrl`` builds the hold message; ``action`` receives the
    ``QueueResult`` when the caller leaves the queue (call metrics)."""
    vr = VoiceResponse()
    if prefix:
        say(vr, lang, prefix)
    say(vr, lang, text(lang, "to_operator"))
    attrs = {"wait_url": wait_url, "wait_url_method": "POST"}
    if action:
        attrs.update(action=action, method="POST")
    vr.enqueue(queue_name, **attrs)
    return vr


def _record(vr: VoiceResponse, lang: str, record_action: str) -> VoiceResponse:
    say(vr, lang, text(lang, "record"))
    vr.record(action=record_action, method="POST", max_length=120, play_beep=True,
              finish_on_key="#")
    say(vr, lang, text(lang, "voicemail_thanks"))
    vr.hangup()
    return vr


def closed(lang: str, opening: str, portal: str, record_action: str) -> VoiceResponse:
    vr = VoiceResponse()
    say(vr, lang, text(lang, "closed", opening=opening, portal=portal))
    return _record(vr, lang, record_action)


def no_operator(lang: str, record_action: str) -> VoiceResponse:
    """The queue failed (``QueueResult`` error, queue full): offer a voicemail instead."""
    vr = VoiceResponse()
    say(vr, lang, text(lang, "no_operator"))
    return _record(vr, lang, record_action)


def empty() -> VoiceResponse:
    """The answer to a callback that only records (status, queue result of a gone call)."""
    return VoiceResponse()


def hold(lang: str, position: int, wait_seconds: int, callback_action: str | None) -> VoiceResponse:
    """The waitUrl document: position, estimated wait, the callback offer when it is long."""
    vr = VoiceResponse()
    say(vr, lang, text(lang, "queue_position", position=position))
    say(vr, lang, text(lang, "queue_wait", minutes=max(1, round(wait_seconds / 60))))
    if callback_action:
        g = menu_gather(lang, callback_action, speech=False, timeout=5, on_empty=False)
        say(g, lang, text(lang, "callback_offer"))
        vr.append(g)
    vr.pause(length=20)
    return vr


def goodbye(lang: str, *messages: str) -> VoiceResponse:
    vr = VoiceResponse()
    for message in messages:
        say(vr, lang, message)
    vr.hangup()
    return vr
