"""Writes kubeconform's strict, standalone JSON schemas from Kubernetes' OpenAPI document.

kubeconform fetches its schemas from GitHub, which CI cannot reach; the Kubernetes module
(k8s.io/kubernetes, from the Go module proxy) carries api/openapi-spec/swagger.json, so the
schemas are made from it the way openapi2jsonschema makes the published ones: one file per
kind pointing into one shared file of definitions, named as kubeconform looks them up (`deployment-apps-v1.json`), every object closed to
unknown fields (strict), int-or-string and quantity values accepting both forms.

    python3 deploy/helm/k8s_schemas.py path/to/swagger.json out/dir
"""

import json
import pathlib
import sys

LOOSE = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"oneOf": [{"type": "string"}, {"type": "number"}]},
}


def strict(node):
    """The schema with every object that lists its properties closed to others."""
    if isinstance(node, list):
        return [strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def main() -> None:
    swagger, target = json.loads(pathlib.Path(sys.argv[1]).read_text()), pathlib.Path(sys.argv[2])
    target.mkdir(parents=True, exist_ok=True)
    definitions = {name: strict(d) for name, d in swagger["definitions"].items()}
    definitions.update(LOOSE)
    # One copy of every definition, which each kind's schema points into.
    (target / "_definitions.json").write_text(json.dumps({"definitions": definitions}))
    written = 0
    for name, definition in swagger["definitions"].items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            group = gvk["group"].split(".")[0]
            suffix = f"-{group}-{gvk['version']}" if group else f"-{gvk['version']}"
            path = target / f"{gvk['kind'].lower()}{suffix}.json"
            path.write_text(json.dumps({"$ref": f"_definitions.json#/definitions/{name}"}))
            written += 1
    print(f"{written} schemas in {target}")


if __name__ == "__main__":
    main()
