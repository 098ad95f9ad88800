"""The one-off TensorFlow -> ONNX conversion of a Spark NLP BERT container. Imports TensorFlow
and tf2onnx (the `cardhub[tf]` extra); only `runtime.tensorflow.store` calls it, under its lock.

Steps: unzip the container; find its layout (layouts.py); wrap the GraphDef, the checkpoint and
the saver Spark NLP would run into a TF1-style SavedModel, which TensorFlow's own v1 loader
restores exactly as Spark NLP does (the restore op fed the checkpoint prefix); freeze the
serving signature; convert with tf2onnx; give the ONNX graph the runtime's input and output
names and int64 inputs; verify it against TensorFlow on probe batches before anyone uses it.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from runtime.artifacts.unpack import unpack_zip
from runtime.errors import ConversionError, TensorflowLayoutError
from runtime.tensorflow.layouts import INPUT_KEYS, OUTPUT_KEYS, TensorflowLayout, detect_layout
from runtime.tensorflow.record import ConversionRecord, file_records

OPSET = 17
TOLERANCE = 1e-4
SIGNATURE = "serving_default"
ONNX_FILE = "model.onnx"


def _quiet_tensorflow() -> Any:
    # Only the C++ log level has no API; it must be set before the first import.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    return tf


def _graph_def(tf: Any, layout: TensorflowLayout, label: str) -> Any:
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(layout.graph.read_bytes())
    except Exception as error:  # protobuf's DecodeError
        raise TensorflowLayoutError(
            f"{label}: {layout.graph.name} is not a TensorFlow GraphDef ({error}); the container is "
            "damaged or not a Spark NLP TensorFlow model: download it again"
        ) from error
    return graph_def


def _pick_saver(graph_def: Any, layout: TensorflowLayout, label: str) -> tuple[str, str, str]:
    """The first (restore op, filename tensor, save tensor) whose ops exist in the graph."""
    nodes = {node.name for node in graph_def.node}
    for restore, filename, save in layout.restore_ops:
        if restore in nodes and filename.split(":")[0] in nodes:
            return restore, filename, save
    tried = ", ".join(f"{r} fed {f}" for r, f, _ in layout.restore_ops)
    raise TensorflowLayoutError(
        f"{label}: the graph has no saver op Spark NLP would restore it with (tried {tried}); "
        "the model cannot be restored: re-save it with Spark NLP or use an ONNX edition"
    )


def _present(graph: Any, layout: TensorflowLayout, keys: tuple[str, ...]) -> dict[str, Any]:
    found = {}
    for key in keys:
        try:
            found[key] = graph.get_tensor_by_name(layout.tensor_names[key])
        except (KeyError, ValueError):
            continue
    return found


def _write_savedmodel(
    tf: Any, layout: TensorflowLayout, target: Path, label: str
) -> tuple[list[str], list[str]]:
    """A TF1-style SavedModel of the container (GraphDef + saver_def + one signature) whose
    variables are the container's checkpoint files (hard links); returns the signature's
    input and output keys."""
    from tensorflow.core.protobuf import saved_model_pb2

    graph_def = _graph_def(tf, layout, label)
    restore, filename, save = _pick_saver(graph_def, layout, label)
    saved = saved_model_pb2.SavedModel(saved_model_schema_version=1)
    meta = saved.meta_graphs.add()
    meta.meta_info_def.tags.append("serve")
    meta.graph_def.CopyFrom(graph_def)
    meta.saver_def.restore_op_name = restore
    meta.saver_def.filename_tensor_name = filename
    meta.saver_def.save_tensor_name = save
    signature = meta.signature_def[SIGNATURE]
    signature.method_name = "tensorflow/serving/predict"
    with tf.Graph().as_default() as graph:
        tf.compat.v1.import_graph_def(graph_def, name="")
        inputs = _present(graph, layout, INPUT_KEYS)
        outputs = _present(graph, layout, OUTPUT_KEYS)
        if "input_ids" not in inputs or not outputs:
            raise TensorflowLayoutError(
                f"{label}: the graph lacks the tensors Spark NLP's Bert feeds and fetches "
                f"(looked for {', '.join(layout.tensor_names[k] for k in INPUT_KEYS + OUTPUT_KEYS)}; "
                f"names from {layout.signature_source}); it is not a BERT embeddings graph"
            )
        for key, tensor in inputs.items():
            signature.inputs[key].CopyFrom(tf.compat.v1.saved_model.utils.build_tensor_info(tensor))
        for key, tensor in outputs.items():
            signature.outputs[key].CopyFrom(tf.compat.v1.saved_model.utils.build_tensor_info(tensor))
    variables = target / "variables"
    variables.mkdir(parents=True)
    prefix = layout.checkpoint_prefix
    for source in prefix.parent.glob(f"{prefix.name}.*"):
        destination = variables / ("variables" + source.name[len(prefix.name) :])
        try:
            os.link(source, destination)
        except OSError:
            shutil.copyfile(source, destination)
    (target / "saved_model.pb").write_bytes(saved.SerializeToString())
    return list(inputs), list(outputs)


def _variable_values(
    tf: Any, layout: TensorflowLayout, graph_def: Any, restore: tuple[str, str, str]
) -> dict[str, np.ndarray]:
    """Resource variables' values by node name, read after Spark NLP's restore (for TF2
    graphs, whose variables TensorFlow's freezer cannot reach through the function calls)."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
        reads = {}
        for node in graph_def.node:
            if node.op == "VarHandleOp":
                handle = graph.get_tensor_by_name(node.name + ":0")
                reads[node.name] = tf.raw_ops.ReadVariableOp(resource=handle, dtype=node.attr["dtype"].type)
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(restore[0], {restore[1]: str(layout.checkpoint_prefix)})
        return dict(zip(reads, session.run(list(reads.values())), strict=True))


def _freeze(tf: Any, function: Any, layout: TensorflowLayout, label: str) -> tuple[Any, list[str], list[str]]:
    """A GraphDef with the weights as constants; its input and output tensor names."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    frozen = convert_variables_to_constants_v2(function, lower_control_flow=False, aggressive_inlining=True)
    inputs = [t.name for t in frozen.inputs]
    outputs = [t.name for t in frozen.outputs]
    whole = frozen.graph.as_graph_def()
    del frozen
    graph_def = tf.compat.v1.graph_util.extract_sub_graph(whole, [name.split(":")[0] for name in outputs])
    del whole
    handles = [node for node in graph_def.node if node.op == "VarHandleOp"]
    if handles:  # a TF2 graph: its variables sit behind function calls the v1 loader does not lift
        original = _graph_def(tf, layout, label)
        values = _variable_values(tf, layout, original, _pick_saver(original, layout, label))
        graph_def = _assign_and_freeze(tf, graph_def, values, outputs, label)
    return graph_def, inputs, outputs


def _assign_and_freeze(
    tf: Any, graph_def: Any, values: dict[str, np.ndarray], outputs: list[str], label: str
) -> Any:
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
        assigns, feeds = [], {}
        for node in graph_def.node:
            if node.op != "VarHandleOp":
                continue
            # TensorFlow's v1 loader renames the shared names it imports; node names survive.
            array = values.get(node.name)
            if array is None:
                raise ConversionError(
                    f"{label}: variable {node.name} of the graph has no value after the restore; the "
                    "checkpoint does not belong to this graph: download the model again"
                )
            value = tf.compat.v1.placeholder(array.dtype, array.shape)
            handle = graph.get_tensor_by_name(node.name + ":0")
            assigns.append(tf.raw_ops.AssignVariableOp(resource=handle, value=value))
            feeds[value] = array
            # TensorFlow's freezer reads each resource variable through this tensor.
            tf.raw_ops.ReadVariableOp(
                resource=handle, dtype=array.dtype, name=f"{node.name}/Read/ReadVariableOp"
            )
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(assigns, feeds)
        return tf.compat.v1.graph_util.convert_variables_to_constants(
            session, graph.as_graph_def(), [name.split(":")[0] for name in outputs]
        )


def _to_onnx(tf: Any, graph_defs: list[Any], inputs: list[str], outputs: list[str]) -> Any:
    """tf2onnx's conversion as `tf2onnx.convert.from_graph_def` runs it, minus tf2onnx's own ONNX
    optimizer passes: each pass rewrites every node proto, and the old weights stay allocated
    (about one embedding matrix per pass, so 8 GB for a 2-layer BERT with a 30k vocabulary, and
    more than this machine's 24 GB for BERT-base). onnxruntime runs the same kinds of passes
    (constant folding, transpose and identity removal) when it builds the session, and the
    session's optimized-graph cache keeps their result. `graph_defs` holds the one frozen graph
    and is emptied here, so that it is freed once tf2onnx's grappler pass has copied it."""
    from tf2onnx import tf_loader
    from tf2onnx.tfonnx import process_tf_graph

    with tf.Graph().as_default():
        graph_def = tf_loader.tf_optimize(inputs, outputs, graph_defs.pop())
    gc.collect()
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="")
        del graph_def
        onnx_graph = process_tf_graph(graph, opset=OPSET, input_names=inputs, output_names=outputs)
        onnx_graph.topological_sort(onnx_graph.get_nodes())
        return onnx_graph.make_model("converted from a Spark NLP TensorFlow model")


def _runtime_names(model: Any, inputs: dict[str, str], outputs: dict[str, str]) -> Any:
    """Renames the graph's inputs and outputs to the runtime's (input_ids, attention_mask,
    token_type_ids -> last_hidden_state, pooler_output); int32 inputs become int64 inputs
    cast inside the graph, as every other ONNX model the runtime runs takes int64."""
    from onnx import TensorProto, helper

    graph = model.graph
    casts = []
    for graph_input in graph.input:
        key = inputs[graph_input.name]
        tensor_type = graph_input.type.tensor_type
        if tensor_type.elem_type == TensorProto.INT32:
            casts.append(helper.make_node("Cast", [key], [graph_input.name], to=TensorProto.INT32))
            tensor_type.elem_type = TensorProto.INT64
        else:
            for node in graph.node:
                node.input[:] = [key if name == graph_input.name else name for name in node.input]
        graph_input.name = key
    identities = []
    for graph_output in graph.output:
        key = outputs[graph_output.name]
        identities.append(helper.make_node("Identity", [graph_output.name], [key]))
        graph_output.name = key
    nodes = casts + list(graph.node) + identities
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def _probe_batches(vocab_size: int, seed: int = 12) -> list[np.ndarray]:
    """Padded id batches of varied lengths ([CLS]=2 first, [SEP]=3 last, 0 padding)."""
    rng = np.random.default_rng(seed)
    batches = []
    for size, longest in ((1, 5), (3, 17), (4, 64)):
        batch = np.zeros((size, longest), dtype=np.int64)
        for row in range(size):
            length = int(rng.integers(2, longest + 1)) if row else longest
            batch[row, :length] = rng.integers(5, max(6, vocab_size), size=length)
            batch[row, 0], batch[row, length - 1] = 2, 3
        batches.append(batch)
    return batches


def _probe_feeds(vocab_size: int) -> list[dict[str, np.ndarray]]:
    feeds = []
    for ids in _probe_batches(vocab_size):
        mask = (ids != 0).astype(np.int64)
        feeds.append({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
    return feeds


def tensorflow_reference(
    function: Any, input_keys: list[str], vocab_size: int
) -> list[dict[str, np.ndarray]]:
    """TensorFlow's outputs on the probe batches, by output key."""
    import tensorflow as tf

    dtypes = {spec.name: spec.dtype for spec in function.structured_input_signature[1].values()}
    results = []
    for feeds in _probe_feeds(vocab_size):
        outputs = function(**{k: tf.constant(feeds[k], dtype=dtypes.get(k, tf.int32)) for k in input_keys})
        results.append({key: value.numpy() for key, value in outputs.items()})
    return results


def verify(
    onnx_path: Path, reference: list[dict[str, np.ndarray]], input_keys: list[str], vocab_size: int
) -> float:
    """The largest |ONNX - TensorFlow| over the probe batches and outputs."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    outputs = [o.name for o in session.get_outputs()]
    worst = 0.0
    for feeds, expected in zip(_probe_feeds(vocab_size), reference, strict=True):
        got = session.run(outputs, {k: feeds[k] for k in input_keys})
        for key, value in zip(outputs, got, strict=True):
            worst = max(worst, float(np.abs(value - expected[key]).max()))
    return worst


def convert_container(
    archive: Path, staging: Path, signatures: dict[str, str] | None, label: str, vocab_size: int
) -> ConversionRecord:
    """Converts the container zip `archive` into `staging/model.onnx`, verified; returns the record
    to write beside it. Scratch files stay under `staging` and are removed on success."""
    started = time.perf_counter()
    work = staging / "work"
    unpack_zip(archive, work / "container", model=label)
    layout = detect_layout(work / "container", signatures, label)
    tf = _quiet_tensorflow()
    import onnx
    import tf2onnx

    input_keys, output_keys = _write_savedmodel(tf, layout, work / "savedmodel", label)
    try:
        function = tf.saved_model.load(str(work / "savedmodel"), tags=["serve"]).signatures[SIGNATURE]
        reference = tensorflow_reference(function, input_keys, vocab_size)
        graph_def, inputs, outputs = _freeze(tf, function, layout, label)
        # Each stage holds another copy of the weights: let go of the restored model, and hand the
        # frozen graph over in a list that _to_onnx empties, so that nothing here keeps it alive
        # and BERT-base does not hold every copy at once.
        del function
        gc.collect()
        handed_over = [graph_def]
        del graph_def
        model = _to_onnx(tf, handed_over, inputs, outputs)
    except (TensorflowLayoutError, ConversionError):
        raise
    except Exception as error:  # TensorFlow and tf2onnx raise many unrelated types
        raise ConversionError(
            f"{label}: converting {archive.name} ({layout.describe()}) to ONNX failed: {error}. Report it "
            "with the model name; meanwhile use an ONNX edition of the model if the registry has one"
        ) from error
    names = {layout.tensor_names[k]: k for k in (*input_keys, *output_keys)}
    model = _runtime_names(model, {n: names[n] for n in inputs}, {n: names[n] for n in outputs})
    onnx_path = staging / ONNX_FILE
    onnx.save_model(model, str(onnx_path))
    del model
    gc.collect()
    worst = verify(onnx_path, reference, [names[n] for n in inputs], vocab_size)
    if not worst <= TOLERANCE:
        raise ConversionError(
            f"{label}: the ONNX graph converted from {archive.name} differs from TensorFlow by up to "
            f"{worst:.2e} (tolerance {TOLERANCE:.0e}) on the probe inputs; it was not cached. Report it "
            "with the model name; meanwhile use an ONNX edition of the model if the registry has one"
        )
    shutil.rmtree(work)
    return ConversionRecord(
        source=archive.name,
        source_size=archive.stat().st_size,
        layout=layout.describe(),
        converter="tf2onnx",
        converter_version=tf2onnx.__version__,
        tensorflow_version=tf.__version__,
        opset=OPSET,
        max_abs_diff=worst,
        seconds=round(time.perf_counter() - started, 3),
        created=time.time(),
        files=file_records(staging),
    )
