"""Field nodes and sync: the program admin's pages on central, the operator's panel
on a node, and the two endpoints a node talks to (pull, push)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.accounts.permissions import require_program_admin, staff_regency
from bujian.core.errors import DomainError
from bujian.sync import actions, node, queries, receive
from bujian.sync.crypto import SyncRefused
from bujian.sync.forms import CodeForm, PackageFileForm, PairForm, PushFileForm, RegisterNodeForm
from bujian.sync.models import FieldNode, SyncConflict

MAX_BATCH_BYTES = 64 * 1024 * 1024
MAX_PULL_BYTES = 4096


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_node() -> bool:
    return bool(settings.BUJIAN_FIELD_NODE)


def _local(request: HttpRequest) -> bool:
    return request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}


@require_http_methods(["GET", "POST"])
def panel(request: HttpRequest) -> HttpResponse:
    if _is_node():
        return _node_panel(request)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _central_panel(request)


def _central_panel(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_program_admin(user)
    form = RegisterNodeForm(request.POST or None, visits=queries.visits_for_nodes(user))
    if request.method == "POST" and form.is_valid():
        try:
            new_node, code = actions.register_node(
                visit=form.cleaned_data["visit"], name=form.cleaned_data["name"], actor=user
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return render(request, "sync/code.html", {"node": new_node, "code": code})
    return render(request, "sync/central.html", {"nodes": queries.nodes_for(user), "form": form})


def _get_node(request: HttpRequest, node_uuid: object) -> FieldNode:
    user = _user(request)
    require_program_admin(user)
    return get_object_or_404(
        FieldNode.objects.select_related("visit__village"),
        uuid=node_uuid,
        visit__regency=staff_regency(user),
    )


@login_required
def node_detail(request: HttpRequest, node_uuid: object) -> HttpResponse:
    field_node = _get_node(request, node_uuid)
    return render(
        request,
        "sync/node.html",
        {
            "node": field_node,
            "code_form": CodeForm(),
            "file_form": PushFileForm(),
            **queries.node_detail(field_node),
        },
    )


@login_required
@require_POST
def package_file(request: HttpRequest, node_uuid: object) -> HttpResponse:
    """The package as a file for the USB path; it opens only with the pairing code."""
    field_node = _get_node(request, node_uuid)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            if actions.node_for_code(form.cleaned_data["code"]).pk != field_node.pk:
                raise SyncRefused("sync.bad_code", _("This pairing code is for another node."))
            envelope = actions.hand_out_package(
                code=form.cleaned_data["code"], actor=_user(request), via_file=True
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            response = HttpResponse(envelope, content_type="application/octet-stream")
            stamp = timezone.localdate().isoformat()
            response["Content-Disposition"] = (
                f'attachment; filename="bujian-paket-{field_node.visit.village.code}-{stamp}.bjp"'
            )
            return response
    else:
        messages.error(request, _("Type the pairing code shown when the node was registered."))
    return redirect("sync:node", node_uuid=field_node.uuid)


@login_required
@require_POST
def new_code(request: HttpRequest, node_uuid: object) -> HttpResponse:
    field_node = _get_node(request, node_uuid)
    try:
        code = actions.new_pairing_code_for(node=field_node, actor=_user(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("sync:node", node_uuid=field_node.uuid)
    return render(request, "sync/code.html", {"node": field_node, "code": code})


@login_required
@require_POST
def release(request: HttpRequest, node_uuid: object) -> HttpResponse:
    field_node = _get_node(request, node_uuid)
    actions.release_node(node=field_node, actor=_user(request))
    messages.success(request, _("The visit is back on central."))
    return redirect("sync:node", node_uuid=field_node.uuid)


@login_required
@require_POST
def upload_push_file(request: HttpRequest, node_uuid: object) -> HttpResponse:
    field_node = _get_node(request, node_uuid)
    form = PushFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the push file the field node exported."))
        return redirect("sync:node", node_uuid=field_node.uuid)
    data = form.cleaned_data["file"].read()
    try:
        totals = receive.receive_file(data, node=field_node)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "File taken: %(records)s records in %(batches)s batches, %(created)s new, "
                "%(updated)s updated, %(conflicts)s conflicts."
            )
            % totals,
        )
    return redirect("sync:node", node_uuid=field_node.uuid)


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    require_program_admin(user)
    conflict = get_object_or_404(
        SyncConflict.objects.select_related("node"), pk=pk, node__visit__regency=staff_regency(user)
    )
    try:
        actions.resolve_conflict(
            conflict=conflict, take_node=request.POST.get("take") == "node", actor=user
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("sync:node", node_uuid=conflict.node.uuid)


# --- on the field node -------------------------------------------------------------


def _node_panel(request: HttpRequest) -> HttpResponse:
    state = node.state()
    if state is None:
        # Before pairing the node has no accounts yet: pairing is done on the laptop itself.
        if not _local(request):
            raise PermissionDenied
        pair_form = PairForm(request.POST if request.POST.get("via") == "network" else None)
        file_form = PackageFileForm(
            request.POST if request.POST.get("via") == "file" else None,
            request.FILES or None,
        )
        if request.method == "POST":
            try:
                if request.POST.get("via") == "network" and pair_form.is_valid():
                    node.pull(pair_form.cleaned_data["central_url"], pair_form.cleaned_data["code"])
                    return redirect("sync:panel")
                if request.POST.get("via") == "file" and file_form.is_valid():
                    node.import_package(
                        file_form.cleaned_data["file"].read(), file_form.cleaned_data["code"]
                    )
                    return redirect("sync:panel")
            except DomainError as error:
                messages.error(request, error.message)
        return render(
            request, "sync/node_pair.html", {"pair_form": pair_form, "file_form": file_form}
        )
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require_program_admin(_user(request))
    counts = node.waiting_counts()
    return render(
        request,
        "sync/node_panel.html",
        {"state": state, "waiting": counts, "waiting_total": sum(counts.values())},
    )


@login_required
@require_POST
def push_now(request: HttpRequest) -> HttpResponse:
    if not _is_node():
        raise Http404
    require_program_admin(_user(request))
    try:
        totals = node.push()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Pushed %(records)s records in %(batches)s batches; %(conflicts)s conflicts.")
            % totals,
        )
    return redirect("sync:panel")


@login_required
@require_POST
def export_push_file(request: HttpRequest) -> HttpResponse:
    if not _is_node():
        raise Http404
    require_program_admin(_user(request))
    try:
        data = node.export_file()
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("sync:panel")
    response = HttpResponse(data, content_type="application/octet-stream")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="bujian-kirim-{stamp}.bjs"'
    return response


# --- what a node calls on central --------------------------------------------------


def _refused(error: DomainError, status: int = 400) -> JsonResponse:
    return JsonResponse({"code": error.code, "detail": error.message}, status=status)


@csrf_exempt
@require_POST
def api_pull(request: HttpRequest) -> HttpResponse:
    """A node pairs with its one-time code and gets the sealed package."""
    if _is_node():
        raise Http404
    raw = request.read(MAX_PULL_BYTES + 1)
    try:
        if len(raw) > MAX_PULL_BYTES:
            raise SyncRefused("sync.too_big", _("The request is too large."))
        try:
            code = str(json.loads(raw).get("code", ""))
        except (ValueError, AttributeError) as error:
            raise SyncRefused("sync.bad_request", _("Send the pairing code as JSON.")) from error
        envelope = actions.hand_out_package(code=code)
    except DomainError as error:
        return _refused(error, 403 if error.code == "sync.bad_code" else 400)
    return HttpResponse(envelope, content_type="application/octet-stream")


@csrf_exempt
@require_POST
def api_push(request: HttpRequest) -> HttpResponse:
    """A node pushes one sealed batch. The answer is what it acknowledges."""
    if _is_node():
        raise Http404
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BATCH_BYTES:
        return _refused(SyncRefused("sync.too_big", _("The batch is larger than 64 MB.")), 413)
    envelope = request.read(MAX_BATCH_BYTES + 1)
    if len(envelope) > MAX_BATCH_BYTES:
        return _refused(SyncRefused("sync.too_big", _("The batch is larger than 64 MB.")), 413)
    try:
        result = receive.receive_batch(envelope)
    except DomainError as error:
        return _refused(error, 403 if error.code == "sync.unknown_node" else 400)
    return JsonResponse(result)
