"""Version 1 of the SKM questionnaire: the nine elements of PermenPANRB 14/2017 with
the four answer labels of its template (see data/skm-unsur.csv and FACTS.md §3).

The wording is written out here rather than read from the CSV, so that this migration
gives the same rows forever; a new wording is a new version in a new migration."""

from typing import Any

from django.db import migrations

ELEMENTS = [
    (
        "U1",
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "Syarat yang harus dipenuhi dalam pengurusan suatu jenis pelayanan, baik persyaratan "
        "teknis maupun administratif",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    (
        "U2",
        "Sistem, Mekanisme, dan Prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "Tata cara pelayanan yang dibakukan bagi pemberi dan penerima pelayanan, termasuk "
        "pengaduan",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    (
        "U3",
        "Waktu Penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "Jangka waktu yang diperlukan untuk menyelesaikan seluruh proses pelayanan dari setiap "
        "jenis pelayanan",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    (
        "U4",
        "Biaya/Tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "Ongkos yang dikenakan kepada penerima layanan dalam mengurus dan/atau memperoleh "
        "pelayanan",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    (
        "U5",
        "Produk Spesifikasi Jenis Pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "Hasil pelayanan yang diberikan dan diterima sesuai dengan ketentuan yang telah "
        "ditetapkan",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    (
        "U6",
        "Kompetensi Pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "Kemampuan yang harus dimiliki pelaksana: pengetahuan, keahlian, keterampilan, "
        "pengalaman",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    (
        "U7",
        "Perilaku Pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        "Sikap petugas dalam memberikan pelayanan",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    (
        "U8",
        "Sarana dan Prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "Kualitas sarana dan prasarana pelayanan",
        ("Buruk", "Cukup", "Baik", "Sangat Baik"),
    ),
    (
        "U9",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "Tata cara pelaksanaan penanganan pengaduan dan tindak lanjut",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"),
    ),
]


def load(apps: Any, schema_editor: Any) -> None:
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Element = apps.get_model("surveys", "Element")
    questionnaire, created = Questionnaire.objects.get_or_create(
        version=1,
        defaults={
            "title": "Survei Kepuasan Masyarakat (SKM)",
            "legal_basis": "PermenPANRB No. 14 Tahun 2017",
            "is_current": True,
        },
    )
    if not created:
        return
    for position, (code, name, question, definition, labels) in enumerate(ELEMENTS, start=1):
        Element.objects.create(
            questionnaire=questionnaire,
            position=position,
            code=code,
            name=name,
            question=question,
            definition=definition,
            label_1=labels[0],
            label_2=labels[1],
            label_3=labels[2],
            label_4=labels[3],
        )


def unload(apps: Any, schema_editor: Any) -> None:
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Questionnaire.objects.filter(version=1, responses__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
