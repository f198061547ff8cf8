// Validates rendered Kubernetes manifests strictly against the Go API types they belong to: the built-in kinds
// through k8s.io/api, ServiceMonitor and PrometheusRule through the prometheus-operator's API types. A field the
// type does not have, a duplicate field, a wrong type or an unknown kind is an error. Reads a multi-document YAML
// file (`helm template` output) and prints one JSON line per object; exits 1 when any is invalid.
//
//	go -C scripts/k8s-validate run . rendered.yaml
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type result struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Error     string `json:"error,omitempty"`
}

func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, networkingv1.AddToScheme,
		policyv1.AddToScheme, rbacv1.AddToScheme, monitoringv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// validate decodes one object into its registered Go type, refusing unknown and duplicate fields.
func validate(scheme *runtime.Scheme, doc []byte) result {
	var meta struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        metav1.ObjectMeta `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return result{Error: err.Error()}
	}
	r := result{Kind: meta.APIVersion + "/" + meta.Kind, Name: meta.Metadata.Name, Namespace: meta.Metadata.Namespace}
	gv, err := schema.ParseGroupVersion(meta.APIVersion)
	if err != nil || meta.Kind == "" {
		r.Error = "apiVersion and kind are required"
		return r
	}
	object, err := scheme.New(gv.WithKind(meta.Kind))
	if err != nil {
		r.Error = "unknown kind: " + err.Error()
		return r
	}
	if err := yaml.UnmarshalStrict(doc, object); err != nil {
		r.Error = err.Error()
		return r
	}
	if meta.Metadata.Name == "" {
		r.Error = "metadata.name is required"
	}
	return r
}

// stripComments drops comment-only lines, so that a document holding only `# Source: ...` counts as empty.
func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

func run(path string) (int, error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	scheme, err := newScheme()
	if err != nil {
		return 0, err
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(file))
	invalid, count := 0, 0
	out := json.NewEncoder(os.Stdout)
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		count++
		r := validate(scheme, doc)
		if r.Error != "" {
			invalid++
		}
		if err := out.Encode(r); err != nil {
			return 0, err
		}
	}
	if count == 0 {
		return 0, fmt.Errorf("%s holds no object", path)
	}
	return invalid, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate rendered.yaml")
		os.Exit(2)
	}
	invalid, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8s-validate:", err)
		os.Exit(2)
	}
	if invalid > 0 {
		os.Exit(1)
	}
}
