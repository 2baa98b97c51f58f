package com.mp3converter.infra;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Validates the minikube deployment without a cluster: the kustomize tree renders, every object is a
 * well-formed Kubernetes object, and the objects agree with each other and with the services' own
 * configuration (ports, env names, images, credentials).
 */
class ManifestsTest {

    private static final Path INFRA = Path.of("").toAbsolutePath();
    private static final Path ROOT = INFRA.getParent();
    private static final Path BASE = INFRA.resolve("k8s/base");
    /** What {@code kubectl apply -k} deploys to minikube. */
    private static final Path OVERLAY = INFRA.resolve("k8s/overlays/minikube");
    private static final String NAMESPACE = "mp3converter";
    private static final List<String> SERVICES = List.of("auth-service", "gateway-service", "converter-service",
            "notification-service");
    private static final Set<String> PLATFORM_ENV = Set.of("JDK_JAVA_OPTIONS", "MALLOC_ARENA_MAX");

    private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();
    private static List<ObjectNode> rendered;
    private static List<HasMetadata> objects;

    @BeforeAll
    static void render() throws IOException {
        rendered = Kustomization.build(OVERLAY);
        objects = new ArrayList<>();
        for (ObjectNode node : rendered) {
            objects.add(KUBERNETES.unmarshal(node.toString()));
        }
    }

    @Test
    void rendersTheSameObjectsAsKubectlKustomize() throws Exception {
        assumeThat(onPath("kubectl")).as("kubectl on PATH").isTrue();
        Process kubectl = new ProcessBuilder("kubectl", "kustomize", OVERLAY.toString()).redirectErrorStream(true).start();
        String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as(output).isZero();
        Set<String> theirs = new TreeSet<>();
        Matcher kinds = Pattern.compile("(?m)^kind: (\\S+)$").matcher(output);
        while (kinds.find()) {
            theirs.add(kinds.group(1));
        }
        Set<String> ours = objects.stream().map(HasMetadata::getKind).collect(Collectors.toCollection(TreeSet::new));
        assertThat(ours).isEqualTo(theirs);
        assertThat(output.split("(?m)^---$")).hasSameSizeAs(objects);
        for (HasMetadata object : objects) {
            // kustomize appends a content hash to the names of generated ConfigMaps and Secrets
            String name = object.getMetadata().getName();
            assertThat(output).as(object.getKind()).contains("name: " + name);
        }
    }

    @Test
    void everyObjectIsAKnownKubernetesTypeWithNoUnknownFields() {
        assertThat(objects).hasSize(rendered.size());
        for (HasMetadata object : objects) {
            String id = object.getKind() + "/" + object.getMetadata().getName();
            assertThat(object).as(id + " is a type the Kubernetes model knows").isNotInstanceOf(GenericKubernetesResource.class);
            List<String> unknown = new ArrayList<>();
            collectUnknownFields(object, id, unknown);
            assertThat(unknown).as("fields the Kubernetes model does not know").isEmpty();
        }
        assertThat(kinds()).contains("Namespace", "ConfigMap", "Secret", "Service", "Deployment", "StatefulSet",
                "Ingress", "HorizontalPodAutoscaler");
    }

    @Test
    void everythingIsInTheMp3converterNamespaceAndPartOfTheApp() {
        assertThat(one(io.fabric8.kubernetes.api.model.Namespace.class, NAMESPACE)).isNotNull();
        for (HasMetadata object : objects) {
            if (!object.getKind().equals("Namespace")) {
                assertThat(object.getMetadata().getNamespace()).as(object.getKind() + "/" + object.getMetadata().getName())
                        .isEqualTo(NAMESPACE);
            }
            assertThat(object.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "mp3converter");
        }
    }

    @Test
    void workloadSelectorsMatchTheirPodsAndServicesReachAContainerPort() {
        for (HasMetadata workload : workloads()) {
            Map<String, String> selector = workload instanceof Deployment d ? d.getSpec().getSelector().getMatchLabels()
                    : ((StatefulSet) workload).getSpec().getSelector().getMatchLabels();
            assertThat(podTemplate(workload).getMetadata().getLabels()).as(workload.getMetadata().getName())
                    .containsAllEntriesOf(selector);
        }
        for (Service service : all(Service.class)) {
            Map<String, String> selector = service.getSpec().getSelector();
            List<PodTemplateSpec> pods = workloads().stream().map(ManifestsTest::podTemplate)
                    .filter(pod -> pod.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
            assertThat(pods).as("pods selected by service " + service.getMetadata().getName()).hasSize(1);
            List<ContainerPort> ports = pods.get(0).getSpec().getContainers().stream()
                    .flatMap(c -> c.getPorts().stream()).toList();
            service.getSpec().getPorts().forEach(port -> assertThat(resolve(port.getTargetPort(), ports))
                    .as("service %s port %s", service.getMetadata().getName(), port.getName()).isPresent());
        }
    }

    @Test
    void everyReferencedConfigMapSecretAndVolumeExists() {
        for (HasMetadata workload : workloads()) {
            String name = workload.getMetadata().getName();
            var pod = podTemplate(workload).getSpec();
            Set<String> volumes = pod.getVolumes().stream().map(Volume::getName).collect(Collectors.toCollection(TreeSet::new));
            if (workload instanceof StatefulSet set) {
                set.getSpec().getVolumeClaimTemplates().forEach(claim -> volumes.add(claim.getMetadata().getName()));
            }
            for (Volume volume : pod.getVolumes()) {
                if (volume.getConfigMap() != null) {
                    assertThat(one(ConfigMap.class, volume.getConfigMap().getName())).as(name + " volume").isNotNull();
                }
                if (volume.getSecret() != null) {
                    assertThat(one(Secret.class, volume.getSecret().getSecretName())).as(name + " volume").isNotNull();
                }
                if (volume.getPersistentVolumeClaim() != null) {
                    assertThat(one(PersistentVolumeClaim.class, volume.getPersistentVolumeClaim().getClaimName())).isNotNull();
                }
            }
            for (Container container : pod.getContainers()) {
                container.getVolumeMounts().forEach(mount -> assertThat(volumes).as(name + " mounts").contains(mount.getName()));
                container.getEnvFrom().forEach(source -> {
                    if (source.getConfigMapRef() != null) {
                        assertThat(one(ConfigMap.class, source.getConfigMapRef().getName())).as(name + " envFrom").isNotNull();
                    }
                    if (source.getSecretRef() != null) {
                        assertThat(one(Secret.class, source.getSecretRef().getName())).as(name + " envFrom").isNotNull();
                    }
                });
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"auth-service", "gateway-service", "converter-service", "notification-service"})
    void serviceRunsTheJibImageLockedDownWithProbesAndLimits(String service) throws IOException {
        Deployment deployment = one(Deployment.class, service);
        assertThat(deployment).as("Deployment " + service).isNotNull();
        assertThat(all(Service.class)).extracting(s -> s.getMetadata().getName()).contains(service);
        var pod = deployment.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);

        String image = System.getProperty("image.group") + "/" + service + ":" + System.getProperty("image.tag");
        assertThat(container.getImage()).isEqualTo(image);
        assertThat(Files.readString(BASE.resolve(service).resolve(service + ".yaml"))).as("the tag is the overlay's, set once")
                .doesNotContain(image);
        assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(Files.readString(ROOT.resolve(service).resolve("pom.xml"))).contains("quarkus-container-image-jib");

        int httpPort = defaultHttpPort(service);
        Map<Probe, String> probes = Map.of(container.getStartupProbe(), "/q/health/started",
                container.getReadinessProbe(), "/q/health/ready", container.getLivenessProbe(), "/q/health/live");
        probes.forEach((probe, path) -> {
            HTTPGetAction get = probe.getHttpGet();
            assertThat(get.getPath()).isEqualTo(path);
            assertThat(resolve(get.getPort(), container.getPorts())).map(ContainerPort::getContainerPort).contains(httpPort);
        });

        for (String kind : List.of("requests", "limits")) {
            var amounts = kind.equals("requests") ? container.getResources().getRequests() : container.getResources().getLimits();
            assertThat(amounts).as(service + " " + kind).containsKeys("cpu", "memory");
        }
        List<String> jvmOptions = JvmOptions.of(ROOT.resolve("infra/jvm.options"), service);
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("JDK_JAVA_OPTIONS")).singleElement()
                .satisfies(e -> assertThat(List.of(e.getValue().split(" "))).as("the services' JVM options")
                        .containsAll(jvmOptions).contains("-XX:MaxRAMPercentage=70"));
        JvmOptions.outsideTheImage(ROOT, service).stream().filter(option -> option.contains("=/"))
                .map(option -> Path.of(option.substring(option.indexOf('=') + 1)))
                .forEach(file -> assertThat(file).as("a file the JVM options name (Jib puts it in the image)").isRegularFile());
        boolean nonRoot = Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot())
                || Boolean.TRUE.equals(container.getSecurityContext().getRunAsNonRoot());
        assertThat(nonRoot).as("runs as non-root").isTrue();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        // Writable /tmp (temp files, the ffmpeg binary JAVE unpacks) on an emptyDir.
        String tmpVolume = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp"))
                .map(m -> m.getName()).findFirst().orElseThrow(() -> new AssertionError(service + " has no /tmp mount"));
        assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals(tmpVolume)).singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
    }

    @ParameterizedTest
    @ValueSource(strings = {"auth-service", "gateway-service", "converter-service", "notification-service"})
    void everyConfigAndSecretKeyIsOneTheServiceReads(String service) throws IOException {
        String properties = applicationProperties(service);
        Set<String> keys = new TreeSet<>();
        keys.addAll(one(ConfigMap.class, service).getData().keySet());
        keys.addAll(secretData(service).keySet());
        Container container = one(Deployment.class, service).getSpec().getTemplate().getSpec().getContainers().get(0);
        container.getEnv().forEach(env -> keys.add(env.getName()));
        keys.removeAll(PLATFORM_ENV);
        assertThat(keys).isNotEmpty().allSatisfy(key -> assertThat(properties).as(service + " reads " + key).contains("${" + key + ":"));
        assertThat(Files.readString(OVERLAY.resolve("secrets").resolve(service + ".env")))
                .as("the Secret says it holds development values").contains("DEVELOPMENT VALUES ONLY");
        assertThat(Files.readString(BASE.resolve(service).resolve(service + ".yaml"))).as("the base holds no Secret")
                .doesNotContainPattern("(?m)^kind: Secret$");
    }

    @Test
    void credentialsAndTokenSettingsAgreeAcrossServices() throws Exception {
        Map<String, String> rabbit = secretData("rabbitmq");
        for (String service : List.of("gateway-service", "converter-service", "notification-service")) {
            assertThat(secretData(service)).as(service)
                    .containsEntry("RABBITMQ_USER", rabbit.get("RABBITMQ_DEFAULT_USER"))
                    .containsEntry("RABBITMQ_PASSWORD", rabbit.get("RABBITMQ_DEFAULT_PASS"));
        }
        Map<String, String> auth = secretData("auth-service");
        String initSql = Files.readString(BASE.resolve("mysql/init.sql"));
        assertThat(initSql).contains("'" + auth.get("AUTH_DB_USER") + "'@'%' IDENTIFIED BY '" + auth.get("AUTH_DB_PASSWORD") + "'");
        Map<String, String> authConfig = one(ConfigMap.class, "auth-service").getData();
        Map<String, String> gatewayConfig = one(ConfigMap.class, "gateway-service").getData();
        assertThat(gatewayConfig).containsEntry("JWT_ISSUER", authConfig.get("JWT_ISSUER"))
                .containsEntry("JWT_AUDIENCE", authConfig.get("JWT_AUDIENCE"));
        String pem = auth.get("JWT_SIGNING_KEY").replaceAll("-----[A-Z ]+-----|\\s", "");
        var key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        assertThat(((ECPrivateKey) key).getParams().getCurve().getField().getFieldSize()).as("ES256 needs P-256").isEqualTo(256);
    }

    @Test
    void prometheusScrapesTheFourServicesAndRabbitMqWhereTheyServeMetrics() throws IOException {
        String config = one(ConfigMap.class, "prometheus").getData().get("prometheus.yml");
        var scrape = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(config).path("scrape_configs");
        Map<String, Set<String>> targetsByPath = new java.util.HashMap<>();
        scrape.forEach(job -> job.path("static_configs").forEach(c -> c.path("targets").forEach(t ->
                targetsByPath.computeIfAbsent(job.path("metrics_path").asText(), k -> new TreeSet<>()).add(t.asText()))));
        for (String service : SERVICES) {
            int port = one(Service.class, service).getSpec().getPorts().get(0).getPort();
            assertThat(targetsByPath.get("/q/metrics")).as(service).contains(service + ":" + port);
        }
        assertThat(one(Service.class, "rabbitmq").getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(15692));
        assertThat(targetsByPath.get("/metrics/per-object")).containsExactly("rabbitmq:15692");
        assertThat(one(ConfigMap.class, "rabbitmq-plugins").getData().get("enabled_plugins")).contains("rabbitmq_prometheus");
    }

    @Test
    void grafanaShowsTheProvisionedDashboardOfMetricsTheServicesExport() throws IOException {
        assertThat(one(ConfigMap.class, "grafana-datasources").getData().get("datasources.yaml"))
                .contains("url: http://prometheus:" + one(Service.class, "prometheus").getSpec().getPorts().get(0).getPort());
        String json = one(ConfigMap.class, "grafana-dashboards").getData().get("mp3converter.json");
        var dashboard = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertThat(dashboard.path("panels")).hasSizeGreaterThanOrEqualTo(6);
        String sources;
        try (Stream<Path> files = Files.walk(ROOT)) {
            sources = files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/"))
                    .map(f -> { try { return Files.readString(f); } catch (IOException e) { throw new java.io.UncheckedIOException(e); } })
                    .collect(Collectors.joining("\n"));
        }
        Matcher ours = Pattern.compile("\\b((?:converter|gateway|notification|auth)_[a-z_]+?)(?:_total|_seconds_sum|_seconds_count|_sum|_count)?\\b")
                .matcher(json);
        Set<String> meters = new TreeSet<>();
        while (ours.find()) {
            meters.add(ours.group(1).replace('_', '.'));
        }
        assertThat(meters).as("metrics the dashboard reads").isNotEmpty()
                .allSatisfy(meter -> assertThat(sources).as("a meter named " + meter + " in the code").contains('"' + meter + '"'));
    }

    @Test
    void everyServiceSendsItsTracesToJaegerAndLogsJson() {
        Service jaeger = one(Service.class, "jaeger");
        assertThat(jaeger.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(4317));
        for (String service : SERVICES) {
            assertThat(one(ConfigMap.class, service).getData()).as(service)
                    .containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4317").containsEntry("LOG_FORMAT", "json");
        }
    }

    @Test
    void mysqlRunsTheOneInitSqlOnFirstStart() throws IOException {
        ConfigMap init = one(ConfigMap.class, "mysql-init");
        assertThat(init.getData()).containsEntry("init.sql", Files.readString(BASE.resolve("mysql/init.sql")));
        StatefulSet mysql = one(StatefulSet.class, "mysql");
        var pod = mysql.getSpec().getTemplate().getSpec();
        String volume = pod.getVolumes().stream().filter(v -> v.getConfigMap() != null && v.getConfigMap().getName().equals("mysql-init"))
                .map(Volume::getName).findFirst().orElseThrow();
        assertThat(pod.getContainers().get(0).getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getName() + " " + m.getMountPath()).isEqualTo(volume + " /docker-entrypoint-initdb.d"));
        for (String store : List.of("mysql", "mongodb", "rabbitmq")) {
            assertThat(one(StatefulSet.class, store).getSpec().getVolumeClaimTemplates()).as(store + " keeps its data").isNotEmpty();
        }
    }

    @Test
    void gatewayIsReachableFromTheHostForMultiGigabyteUploads() {
        Ingress ingress = one(Ingress.class, "gateway-service");
        var rule = ingress.getSpec().getRules().get(0);
        assertThat(rule.getHost()).isEqualTo("mp3converter.local");
        var backend = rule.getHttp().getPaths().get(0).getBackend().getService();
        Service service = one(Service.class, backend.getName());
        assertThat(service.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(backend.getPort().getNumber()));
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("nginx.ingress.kubernetes.io/proxy-body-size", "0")
                .containsEntry("nginx.ingress.kubernetes.io/proxy-request-buffering", "off");
        assertThat(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout"))).isGreaterThanOrEqualTo(600);
        assertThat(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-send-timeout"))).isGreaterThanOrEqualTo(600);
        assertThat(service.getSpec().getType()).as("NodePort fallback for `minikube service`").isEqualTo("NodePort");
    }

    @Test
    void converterScalesWithAnAutoscalerOnItsDeployment() {
        HorizontalPodAutoscaler hpa = one(HorizontalPodAutoscaler.class, "converter-service");
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(one(Deployment.class, hpa.getSpec().getScaleTargetRef().getName())).isNotNull();
        assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(1);
        assertThat(one(Deployment.class, "converter-service").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getResources().getRequests()).as("CPU utilisation needs a CPU request").containsKey("cpu");
    }

    @Test
    void converterFinishesItsJobsBeforeKubernetesKillsIt() {
        long grace = java.time.Duration.parse(one(ConfigMap.class, "converter-service").getData().get("SHUTDOWN_GRACE")).toSeconds();
        long kubernetes = one(Deployment.class, "converter-service").getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertThat(grace).as("SHUTDOWN_GRACE leaves time to requeue and exit").isLessThan(kubernetes - 10);
    }

    // ---------------------------------------------------------------------------------------------

    private static Set<String> kinds() {
        return objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet());
    }

    private static <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> found = all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).toList();
        assertThat(found).as(type.getSimpleName() + " " + name).hasSize(1);
        return found.get(0);
    }

    private static List<HasMetadata> workloads() {
        return Stream.concat(all(Deployment.class).stream(), all(StatefulSet.class).stream()).map(HasMetadata.class::cast).toList();
    }

    private static PodTemplateSpec podTemplate(HasMetadata workload) {
        return workload instanceof Deployment d ? d.getSpec().getTemplate() : ((StatefulSet) workload).getSpec().getTemplate();
    }

    private static Map<String, String> secretData(String name) {
        Secret secret = one(Secret.class, name);
        return Objects.requireNonNullElse(secret.getStringData(), Map.of());
    }

    private static Optional<ContainerPort> resolve(IntOrString port, List<ContainerPort> ports) {
        return ports.stream().filter(p -> port.getStrVal() != null ? port.getStrVal().equals(p.getName())
                : port.getIntVal().equals(p.getContainerPort())).findFirst();
    }

    private static String applicationProperties(String service) throws IOException {
        return Files.readString(ROOT.resolve(service).resolve("src/main/resources/application.properties"));
    }

    private static int defaultHttpPort(String service) throws IOException {
        Matcher port = Pattern.compile("(?m)^quarkus\\.http\\.port=\\$\\{\\w+:(\\d+)}").matcher(applicationProperties(service));
        if (!port.find()) {
            fail(service + " does not declare quarkus.http.port");
        }
        return Integer.parseInt(port.group(1));
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    /** Fields the model kept in additionalProperties are fields it does not know: typos, wrong nesting. */
    private static void collectUnknownFields(Object value, String path, List<String> unknown) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> collectUnknownFields(v, path + "." + k, unknown));
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                collectUnknownFields(item, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (value == null || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object field;
            try {
                field = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
            } else {
                collectUnknownFields(field, path + "." + getter.getName().substring(3), unknown);
            }
        }
    }
}
