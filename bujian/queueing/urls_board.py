"""The TV board's URLs, included into ``queueing.urls`` (namespace ``queueing``)."""

from django.urls import URLPattern, path

from bujian.queueing import views_board

urlpatterns: list[URLPattern] = [
    path("papan/<int:visit_id>/", views_board.board, name="board"),
    path("papan/<int:visit_id>/state.json", views_board.board_state_json, name="board_state"),
    path(
        "papan/<int:visit_id>/suara/<int:ticket_id>.wav",
        views_board.board_voice,
        name="board_voice",
    ),
]
