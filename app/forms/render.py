"""Server-side rendering of form fields as accessible Bootstrap 5 markup."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from markupsafe import Markup

from .model import (
    FILE_ACCEPT,
    FormDefinition,
    Options,
    choices,
    is_required,
    item_schema,
    plain_value,
    widget_kind,
)

_EMPTY = Markup("")


def render_fields(
    form: FormDefinition,
    data: dict | None = None,
    errors: dict[str, list[str]] | None = None,
    options: Options | None = None,
    id_prefix: str = "f-",
) -> Markup:
    """The fields only: the template supplies <form>, the CSRF token and the buttons.

    With ``data=None`` (a fresh form) schema defaults are shown; otherwise only ``data``,
    so a value the user cleared does not come back as its default.
    """
    errors = errors or {}
    names = form.field_names()
    ctx = _Context(form, data, errors, options or {}, id_prefix)
    parts = [_render_field(ctx, name) for name in names]

    # Errors the user cannot see next to a visible field go to the top alert.
    top: list[str] = list(errors.get("", []))
    for name in names:
        if widget_kind(form, name) == "hidden":
            top.extend(f"{form.label(name)}: {msg}" for msg in errors.get(name, []))
    for key, messages in errors.items():
        if key and key not in form.properties:
            top.extend(f"{key}: {msg}" for msg in messages)
    if top:
        items = Markup("").join(Markup("<li>{}</li>").format(m) for m in top)
        alert = Markup('<div class="alert alert-danger" role="alert" id="{}"><ul class="mb-0">{}</ul></div>')
        parts.insert(0, alert.format(f"{id_prefix}form-errors", items))
    return Markup("\n").join(parts)


@dataclass
class _Context:
    form: FormDefinition
    data: dict | None
    errors: dict[str, list[str]]
    options: Options
    prefix: str

    def value(self, name: str) -> Any:
        default = self.form.prop(name).get("default")
        if self.data is None:
            return default
        # the user cannot clear a hidden field, so its default still applies
        if name not in self.data and widget_kind(self.form, name) == "hidden":
            return default
        return self.data.get(name)


@dataclass
class _Field:
    name: str
    fid: str
    label: str
    required: bool
    help_ids: list[str]
    help_html: Markup
    error_id: str | None
    error_html: Markup

    @property
    def describedby(self) -> str | None:
        ids = [*self.help_ids, *([self.error_id] if self.error_id else [])]
        return " ".join(ids) or None

    @property
    def invalid(self) -> bool:
        return self.error_id is not None

    @property
    def marker(self) -> Markup:
        if not self.required:
            return _EMPTY
        return Markup(' <span class="text-danger" aria-hidden="true">*</span>')

    def aria(self) -> dict[str, Any]:
        return {
            "required": self.required,
            "aria-required": "true" if self.required else None,
            "aria-invalid": "true" if self.invalid else None,
            "aria-describedby": self.describedby,
        }

    @property
    def after(self) -> Markup:
        return self.help_html + self.error_html


def _attrs(attrs: dict[str, Any]) -> Markup:
    out = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            out.append(Markup(" {}").format(key))
        else:
            out.append(Markup(' {}="{}"').format(key, value))
    return Markup("").join(out)


def _tag(name: str, attrs: dict[str, Any]) -> Markup:
    return Markup("<{}{}>").format(name, _attrs(attrs))


def _css(*classes: str | None) -> str:
    return " ".join(c for c in classes if c)


def _field(ctx: _Context, name: str) -> _Field:
    form = ctx.form
    fid = f"{ctx.prefix}{name}"
    help_ids: list[str] = []
    help_parts: list[Markup] = []
    for suffix, text in (
        ("description", form.prop(name).get("description")),
        ("help", form.ui(name).get("ui:help")),
    ):
        if text:
            hid = f"{fid}-{suffix}"
            help_ids.append(hid)
            help_parts.append(Markup('<div class="form-text" id="{}">{}</div>').format(hid, text))
    messages = ctx.errors.get(name) or []
    error_id = f"{fid}-error" if messages else None
    error_html = _EMPTY
    if messages:
        body = Markup("<br>").join(Markup("{}").format(m) for m in messages)
        error_html = Markup('<div class="invalid-feedback d-block" id="{}">{}</div>').format(error_id, body)
    return _Field(
        name=name,
        fid=fid,
        label=form.label(name),
        required=is_required(form, name),
        help_ids=help_ids,
        help_html=Markup("").join(help_parts),
        error_id=error_id,
        error_html=error_html,
    )


def _render_field(ctx: _Context, name: str) -> Markup:
    kind = widget_kind(ctx.form, name)
    return _RENDERERS[kind](ctx, name, _field(ctx, name))


def _common_input_attrs(ctx: _Context, name: str) -> dict[str, Any]:
    ui = ctx.form.ui(name)
    placeholder = ui.get("ui:placeholder")
    autocomplete = ui.get("ui:autocomplete")
    return {
        "placeholder": placeholder if isinstance(placeholder, str) and placeholder else None,
        "autocomplete": autocomplete if isinstance(autocomplete, str) and autocomplete else None,
        "autofocus": ui.get("ui:autofocus") is True,
    }


def _wrap(f: _Field, label_and_control: Markup) -> Markup:
    return Markup('<div class="mb-3">{}{}</div>').format(label_and_control, f.after)


def _label(f: _Field) -> Markup:
    return Markup('<label class="form-label" for="{}">{}{}</label>').format(f.fid, f.label, f.marker)


def _render_input(ctx: _Context, name: str, f: _Field, input_type: str) -> Markup:
    prop = ctx.form.prop(name)
    attrs: dict[str, Any] = {
        "type": input_type,
        "class": _css("form-control", "is-invalid" if f.invalid else None),
        "id": f.fid,
        "name": name,
        "value": plain_value(ctx.value(name)),
    }
    if input_type == "number":
        integer = prop.get("type") == "integer"
        # step=any lets decimals through the browser check; numeric keyboards lack a separator
        attrs.update(
            {
                "inputmode": "numeric" if integer else "decimal",
                "step": "1" if integer else "any",
                "min": prop.get("minimum"),
                "max": prop.get("maximum"),
            }
        )
    else:
        attrs.update({"minlength": prop.get("minLength"), "maxlength": prop.get("maxLength")})
    attrs.update(_common_input_attrs(ctx, name))
    attrs.update(f.aria())
    return _wrap(f, _label(f) + _tag("input", attrs))


def _render_text(ctx: _Context, name: str, f: _Field) -> Markup:
    return _render_input(ctx, name, f, "text")


def _render_email(ctx: _Context, name: str, f: _Field) -> Markup:
    return _render_input(ctx, name, f, "email")


def _render_date(ctx: _Context, name: str, f: _Field) -> Markup:
    return _render_input(ctx, name, f, "date")


def _render_number(ctx: _Context, name: str, f: _Field) -> Markup:
    return _render_input(ctx, name, f, "number")


def _render_textarea(ctx: _Context, name: str, f: _Field) -> Markup:
    prop = ctx.form.prop(name)
    rows = ctx.form.ui(name).get("ui:rows")
    attrs: dict[str, Any] = {
        "class": _css("form-control", "is-invalid" if f.invalid else None),
        "id": f.fid,
        "name": name,
        "rows": rows if isinstance(rows, int) and not isinstance(rows, bool) and rows > 0 else 6,
        "minlength": prop.get("minLength"),
        "maxlength": prop.get("maxLength"),
    }
    attrs.update(_common_input_attrs(ctx, name))
    attrs.update(f.aria())
    control = Markup("<textarea{}>{}</textarea>").format(_attrs(attrs), plain_value(ctx.value(name)))
    return _wrap(f, _label(f) + control)


def _render_select(ctx: _Context, name: str, f: _Field) -> Markup:
    prop = ctx.form.prop(name)
    current = ctx.value(name)
    attrs: dict[str, Any] = {
        "class": _css("form-select", "is-invalid" if f.invalid else None),
        "id": f.fid,
        "name": name,
        "autofocus": ctx.form.ui(name).get("ui:autofocus") is True,
    }
    attrs.update(f.aria())
    opts: list[Markup] = []
    if not f.required or "default" not in prop:
        placeholder = ctx.form.ui(name).get("ui:placeholder")  # rjsf: label of the empty choice
        empty = placeholder if isinstance(placeholder, str) and placeholder else gettext("Alegeți...")
        opts.append(Markup('<option value="">{}</option>').format(empty))
    for value, label in choices(prop, ctx.options):
        selected = current is not None and plain_value(value) == plain_value(current)
        opts.append(
            Markup("<option{}>{}</option>").format(
                _attrs({"value": plain_value(value), "selected": selected}), label
            )
        )
    control = Markup("<select{}>{}</select>").format(_attrs(attrs), Markup("").join(opts))
    return _wrap(f, _label(f) + control)


def _fieldset(
    f: _Field, items: Iterable[Markup], attrs: dict[str, Any], legend_extra: Markup = _EMPTY
) -> Markup:
    legend = Markup('<legend class="form-label fs-6">{}{}{}</legend>').format(f.label, f.marker, legend_extra)
    return Markup("<fieldset{}>{}{}{}</fieldset>").format(
        _attrs({"class": "mb-3", "id": f.fid, **attrs}), legend, Markup("").join(items), f.after
    )


def _check_item(
    f: _Field, input_type: str, index: int, value: Any, label: str, checked: bool, extra: dict
) -> Markup:
    oid = f"{f.fid}-{index}"
    attrs = {
        "class": _css("form-check-input", "is-invalid" if f.invalid else None),
        "type": input_type,
        "id": oid,
        "name": f.name,
        "value": plain_value(value),
        "checked": checked,
        **extra,
    }
    return Markup(
        '<div class="form-check">{}<label class="form-check-label" for="{}">{}</label></div>'
    ).format(_tag("input", attrs), oid, label)


def _render_radio(ctx: _Context, name: str, f: _Field) -> Markup:
    current = ctx.value(name)
    # `required` on each radio makes the group required; aria-required belongs on the radiogroup.
    extra = {"required": f.required, "aria-invalid": "true" if f.invalid else None}
    items = [
        _check_item(
            f,
            "radio",
            i,
            value,
            label,
            current is not None and plain_value(value) == plain_value(current),
            extra,
        )
        for i, (value, label) in enumerate(choices(ctx.form.prop(name), ctx.options))
    ]
    attrs = {
        "role": "radiogroup",
        "aria-required": "true" if f.required else None,
        "aria-invalid": "true" if f.invalid else None,
        "aria-describedby": f.describedby,
    }
    return _fieldset(f, items, attrs)


def _render_checkboxes(ctx: _Context, name: str, f: _Field) -> Markup:
    current = ctx.value(name)
    selected = {plain_value(v) for v in current} if isinstance(current, list | tuple) else set()
    # `required` on a checkbox would demand that box be ticked; the group rule is server-side.
    extra = {"aria-invalid": "true" if f.invalid else None}
    items = [
        _check_item(f, "checkbox", i, value, label, plain_value(value) in selected, extra)
        for i, (value, label) in enumerate(choices(item_schema(ctx.form.prop(name)), ctx.options))
    ]
    hidden_required = Markup(' <span class="visually-hidden">({})</span>').format(gettext("obligatoriu"))
    return _fieldset(f, items, {"aria-describedby": f.describedby}, hidden_required if f.required else _EMPTY)


def _render_checkbox(ctx: _Context, name: str, f: _Field) -> Markup:
    attrs: dict[str, Any] = {
        "class": _css("form-check-input", "is-invalid" if f.invalid else None),
        "type": "checkbox",
        "id": f.fid,
        "name": name,
        "value": "true",
        "checked": ctx.value(name) is True,
        "autofocus": ctx.form.ui(name).get("ui:autofocus") is True,
    }
    attrs.update(f.aria())
    label = Markup('<label class="form-check-label" for="{}">{}{}</label>').format(f.fid, f.label, f.marker)
    return _wrap(f, Markup('<div class="form-check">{}{}</div>').format(_tag("input", attrs), label))


def _render_hidden(ctx: _Context, name: str, f: _Field) -> Markup:
    value = ctx.value(name)
    values = value if isinstance(value, list | tuple) else [value]
    return Markup("").join(
        _tag(
            "input",
            {"type": "hidden", "id": f.fid if i == 0 else None, "name": name, "value": plain_value(v)},
        )
        for i, v in enumerate(values)
    )


def _render_file(ctx: _Context, name: str, f: _Field) -> Markup:
    ui_options = ctx.form.ui(name).get("ui:options")
    accept = ui_options.get("accept") if isinstance(ui_options, dict) else None
    attrs: dict[str, Any] = {
        "type": "file",
        "class": _css("form-control", "is-invalid" if f.invalid else None),
        "id": f.fid,
        "name": name,
        "multiple": True,
        "accept": accept if isinstance(accept, str) and accept else FILE_ACCEPT,
        "autofocus": ctx.form.ui(name).get("ui:autofocus") is True,
    }
    limits_id = f"{f.fid}-limits"
    f.help_ids.append(limits_id)
    f.help_html = f.help_html + Markup('<div class="form-text" id="{}">{}</div>').format(limits_id, _file_limits())
    attrs.update(f.aria())
    return _wrap(f, _label(f) + _tag("input", attrs))


def _file_limits() -> str:
    from app.storage.uploads import upload_limits

    limits = upload_limits()
    return gettext(
        "PDF, JPEG sau PNG: cel mult %(files)d fișiere, %(file_mb)d MB fiecare și %(total_mb)d MB împreună.",
        **limits,
    )


_RENDERERS = {
    "text": _render_text,
    "email": _render_email,
    "date": _render_date,
    "number": _render_number,
    "textarea": _render_textarea,
    "select": _render_select,
    "radio": _render_radio,
    "checkboxes": _render_checkboxes,
    "checkbox": _render_checkbox,
    "hidden": _render_hidden,
    "file": _render_file,
}
