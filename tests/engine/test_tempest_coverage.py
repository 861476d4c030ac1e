"""The tempest lane's coverage: what it runs (tempest's image API tests and
glance-tempest-plugin, both in the tempest venv and the tempest image) and the stack
configuration that makes their tests run rather than skip, checked on the rendered
config files, with the options tempest and Glance must agree on checked together."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from winci.docker.images import GlanceInfo, service_requirements
from winci.envs.specs import GLANCE_TEMPEST_PLUGIN_VERSION, TEMPEST_VERSION, tempest_env
from winci.lanes.tempest import LANE_REGEX
from winci.stack.settings import StackSettings, render


def _ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return parser


@pytest.fixture
def rendered(tmp_path: Path) -> dict[str, configparser.ConfigParser]:
    """The three config files as the local backend renders them for a run."""
    s = StackSettings(run_id="r", state_dir=tmp_path / "stack", log_dir=tmp_path / "logs")
    glance_dir = s.service_dir("glance")
    render("glance-api.conf.j2", s, glance_dir / "glance-api.conf",
           database_url=s.database_url("glance"), state_dir=glance_dir.as_posix(),
           store_dir=s.store_dir.as_posix(), config_dir=glance_dir.as_posix(),
           log_dir=s.log_dir.as_posix(), python="python")
    render("keystone.conf.j2", s, tmp_path / "keystone.conf",
           database_url=s.database_url("keystone"), state_dir=tmp_path.as_posix())
    render("tempest.conf.j2", s, tmp_path / "tempest.conf", state_dir=tmp_path.as_posix())
    return {"glance": _ini(glance_dir / "glance-api.conf"),
            "keystone": _ini(tmp_path / "keystone.conf"),
            "tempest": _ini(tmp_path / "tempest.conf")}


def test_the_plugin_is_pinned_beside_tempest_in_the_venv_and_the_image() -> None:
    wanted = (f"tempest=={TEMPEST_VERSION}",
              f"glance-tempest-plugin=={GLANCE_TEMPEST_PLUGIN_VERSION}")
    assert tempest_env().requirements == wanted
    # the docker backend's tempest image installs the same lines: the lanes stay equal
    assert tuple(service_requirements("tempest", GlanceInfo(version="33.0.0"))) == wanted


@pytest.mark.parametrize("test_id", [
    "tempest.api.image.v2.test_images.BasicOperationsImagesTest.test_register_upload"
    "[id-139b765e-7f3d-4b3d-8b37-3ca3876ee318,smoke]",
    "tempest.api.image.v2.admin.test_image_caching.ImageCachingTest.test_image_caching_cycle",
    "glance_tempest_plugin.tests.rbac.v2.test_project_admin_tests.ImageProjectAdminTests"
    ".test_create_image[id-025eea27-fa86-44a9-85a2-91295842f808]",
    "glance_tempest_plugin.tests.rbac.v2.metadefs.test_tags.ProjectReaderTests.test_get_tags",
])
def test_the_lane_selects_both_suites(test_id: str) -> None:
    assert re.search(LANE_REGEX, test_id)  # as stestr matches a filter


@pytest.mark.parametrize("test_id", [
    "tempest.api.compute.servers.test_servers.ServersTest.test_create_server",
    "tempest.api.imagefoo.T.test_x",
    "x.glance_tempest_plugin.tests.T.test_y",
    "tempest.scenario.test_image.T.test_x",
])
def test_the_lane_selects_nothing_else(test_id: str) -> None:
    assert not re.search(LANE_REGEX, test_id)


def test_secure_rbac_is_enforced_where_the_plugin_expects_it(
        rendered: dict[str, configparser.ConfigParser]) -> None:
    glance, tempest = rendered["glance"], rendered["tempest"]
    # glance-tempest-plugin's RBAC tests skip unless tempest says Glance enforces scope;
    # they pass only if it does
    assert glance.getboolean("oslo_policy", "enforce_scope")
    assert glance.getboolean("oslo_policy", "enforce_new_defaults")
    assert tempest.getboolean("enforce_scope", "glance")
    assert not tempest.getboolean("glance_api", "system_scope_supported")


def test_stores_weights_and_locations_agree_with_tempest(
        rendered: dict[str, configparser.ConfigParser]) -> None:
    glance, tempest = rendered["glance"], rendered["tempest"]
    backends = dict(item.strip().split(":") for item in
                    glance.get("DEFAULT", "enabled_backends").split(","))
    assert backends == {"file1": "file", "file2": "file", "web": "http"}
    feature = tempest["image-feature-enabled"]
    # tempest's location tests expect an http store named "web"
    assert feature.getboolean("http_store_enabled") == ("http" in backends.values())
    assert backends["web"] == "http"
    # StoreWeightTest runs; tempest's import waiter compares an image's stores (which
    # Glance orders by weight) with their names sorted: the weights must fall in that order
    assert feature.getboolean("store_weight_enabled")
    writable = sorted(name for name, kind in backends.items() if kind != "http")
    weights = [glance.getint(name, "weight") for name in writable]
    assert weights == sorted(weights, reverse=True) and len(set(weights)) == len(weights)
    # ImageLocationsTest: tempest manages locations only where Glance shows them
    assert feature.getboolean("manage_locations") == glance.getboolean(
        "DEFAULT", "show_multiple_locations") is True
    assert feature.getboolean("do_secure_hash") == glance.getboolean(
        "DEFAULT", "do_secure_hash", fallback=True)


def test_imports_and_cache_are_enabled_on_both_sides(
        rendered: dict[str, configparser.ConfigParser]) -> None:
    glance, tempest = rendered["glance"], rendered["tempest"]
    methods = glance.get("DEFAULT", "enabled_import_methods")
    assert methods.startswith("[") and methods.endswith("]")  # a bracketed list, or a 500
    assert set(methods.strip("[]").split(",")) == {
        "glance-direct", "web-download", "copy-image", "glance-download"}
    assert tempest.getboolean("image-feature-enabled", "import_image")
    # web-download and http:// locations fetch from the loopback image web server
    http_image = tempest.get("image", "http_qcow2_image")
    port = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/cirros\.qcow2", http_image)
    assert port and port.group(1) in glance.get("import_filtering_opts", "allowed_ports")
    assert tempest.get("image", "http_image") == http_image
    # the cache tests: the cache management API and a cache dir in Glance
    assert tempest.getboolean("image", "image_caching_enabled")
    assert glance.get("paste_deploy", "flavor") == "keystone+cachemanagement"
    assert glance.get("DEFAULT", "image_cache_dir")


@pytest.mark.parametrize("remote_port", [None, 21005])
def test_the_remote_tests_run_only_with_a_second_api(tmp_path: Path,
                                                     remote_port: int | None) -> None:
    """tempest's remote import, delete and cache tests need ``image_remote`` in the
    catalog (the local and wine stacks' second API); the docker stack has none, so its
    tempest.conf must not name one (tempest would fail to find the endpoint)."""
    s = StackSettings(run_id="r", state_dir=tmp_path, log_dir=tmp_path,
                      glance_remote_port=remote_port)
    image = _ini(render("tempest.conf.j2", s, tmp_path / "tempest.conf",
                        state_dir=tmp_path.as_posix()))["image"]
    if remote_port is None:
        assert "alternate_image_endpoint" not in image
    else:
        assert image["alternate_image_endpoint"] == "image_remote"
        assert image["alternate_image_endpoint_type"] == "public"
        assert s.glance_remote_url == f"http://127.0.0.1:{remote_port}"


def test_keystone_caches_in_its_process(rendered: dict[str, configparser.ConfigParser]) -> None:
    keystone = rendered["keystone"]
    # without it every token validation reads role assignments from the database
    assert keystone.getboolean("cache", "enabled")
    assert keystone.get("cache", "backend") == "oslo_cache.dict"


def test_an_install_keeps_glances_secure_defaults(tmp_path: Path) -> None:
    """The MSI renders the same template with multistore false: no test-only stores,
    and show_multiple_locations stays off (OSSN-0065)."""
    s = StackSettings(run_id="r", state_dir=tmp_path, log_dir=tmp_path)
    conf = render("glance-api.conf.j2", s, tmp_path / "glance-api.conf", multistore=False,
                  database_url="sqlite://", state_dir="C:/ProgramData/Glance",
                  store_dir="C:/images", config_dir="C:/etc", log_dir="C:/log", python="py")
    glance = _ini(conf)
    assert glance.get("DEFAULT", "enabled_backends") == "file1:file"
    assert not glance.getboolean("DEFAULT", "show_multiple_locations")
    assert not glance.has_section("web") and not glance.has_option("file1", "weight")
