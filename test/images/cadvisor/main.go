// The suite's cAdvisor: the cAdvisor library at the release docker-compose.yml pins (its container manager,
// Docker plugin, kernel-log OOM parser and Prometheus collector), behind a main of our own, because the
// project's own main (the cmd module) is not published as a Go module. It keeps the flags compose passes
// and what the release binary adds to the library: a per-container OOM count that outlives the container's
// restart, exported as container_oom_events_total. Built by test/images/build.sh; never part of the sandbox.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	_ "github.com/google/cadvisor/container/docker/install"
	"github.com/google/cadvisor/lib/cache/memory"
	"github.com/google/cadvisor/lib/container"
	"github.com/google/cadvisor/lib/manager"
	"github.com/google/cadvisor/lib/metrics"
	info "github.com/google/cadvisor/lib/model"
	"github.com/google/cadvisor/lib/utils/sysfs"
	"github.com/google/cadvisor/utils/oomparser"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

var (
	port           = flag.Int("port", 8080, "port to listen on")
	storeLabels    = flag.Bool("store_container_labels", true, "every container label as a metric label")
	allowedLabels  = flag.String("whitelisted_container_labels", "", "labels kept when store_container_labels=false")
	rawPrefixes    = flag.String("raw_cgroup_prefix_whitelist", "", "cgroup prefixes collected even with docker_only")
	envMetadata    = flag.String("env_metadata_whitelist", "", "environment variables collected as metadata")
	enabledMetrics = container.MetricSet{}
)

// oomKills counts OOM kills by container name (its cgroup path), which a restarted Docker container keeps.
type oomKills struct {
	manager.Manager
	mu    sync.Mutex
	count map[string]uint64
}

func (o *oomKills) watch() {
	parser, err := oomparser.New()
	if err != nil {
		klog.Warningf("no kernel log to read OOM kills from: %v", err)
		return
	}
	found := make(chan *oomparser.OomInstance, 10)
	go parser.StreamOoms(found)
	for oom := range found {
		o.mu.Lock()
		o.count[oom.ContainerName]++
		o.mu.Unlock()
	}
}

func (o *oomKills) GetRequestedContainersInfo(name string, options info.RequestOptions) (map[string]*info.ContainerInfo, error) {
	infos, err := o.Manager.GetRequestedContainersInfo(name, options)
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range infos {
		for _, stats := range c.Stats {
			stats.OOMEvents = o.count[c.Name]
		}
	}
	return infos, err
}

func main() {
	klog.InitFlags(nil)
	flag.Var(&enabledMetrics, "enable_metrics", "comma-separated metrics to collect: "+container.AllMetrics.String())
	flag.Parse()
	included := enabledMetrics
	if len(included) == 0 {
		included = container.AllMetrics
	}
	m, err := manager.New(memory.New(2*time.Minute, nil), sysfs.NewRealSysFs(), manager.HousekeepingConfigFlags,
		included, strings.Split(*rawPrefixes, ","), strings.Split(*envMetadata, ","), "", 0)
	if err != nil {
		klog.Fatalf("manager: %v", err)
	}
	if err := m.Start(); err != nil {
		klog.Fatalf("start: %v", err)
	}
	kills := &oomKills{Manager: m, count: map[string]uint64{}}
	go kills.watch()

	labels := metrics.DefaultContainerLabels
	if !*storeLabels {
		labels = metrics.BaseContainerLabels(strings.Split(*allowedLabels, ","))
	}
	options := info.RequestOptions{IdType: "name", Count: 1, Recursive: true}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		registry := prometheus.NewRegistry()
		registry.MustRegister(metrics.NewPrometheusCollector(kills, labels, included, clock.RealClock{}, options))
		promhttp.HandlerFor(registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, r)
	})
	klog.Fatal(http.ListenAndServe(fmt.Sprintf(":%d", *port), mux))
}
