package com.mp3converter.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The web page in a real browser (Debian's headless Chromium and chromedriver, which the build installs
 * with bin/ensure-infra.sh --browser): sign up, two uploads at once seen through to DONE by the pushed
 * events, play, download, delete, and a hostile file name shown as text. Screenshots of each step go to
 * target/e2e/e2e/screenshots.
 */
@ExtendWith(SharedPipeline.class)
class WebPageTest {

    private static final String HOSTILE = "<img src=x onerror=alert(1)>.mp4";
    private ChromeDriver browser;
    private Path screenshots;

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aPersonSignsUpUploadsTwoVideosAtOnceWatchesThemFinishPlaysDownloadsAndDeletes(Pipeline pipeline) throws Exception {
        String page = "http://127.0.0.1:" + pipeline.service(Pipeline.GATEWAY).port + "/";
        assertStrictContentSecurityPolicy(page);
        Path downloads = Files.createDirectories(pipeline.dir.resolve("downloads"));
        screenshots = Files.createDirectories(pipeline.dir.resolve("screenshots"));
        browser = chromium(downloads);
        browser.get(page);
        screenshot("1-sign-in");

        browser.findElement(By.id("email")).sendKeys("web.user@e2e.example");
        browser.findElement(By.id("password")).sendKeys("a long enough password");
        browser.findElement(By.id("sign-up-button")).click();
        until(Duration.ofSeconds(20), () -> browser.findElement(By.id("signed-in")).isDisplayed());

        Path clip = Media.mp4(6).toAbsolutePath();
        Path hostile = Files.copy(clip, Files.createDirectories(pipeline.dir.resolve("web")).resolve(HOSTILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        browser.findElement(By.id("files")).sendKeys(clip + "\n" + hostile);
        browser.findElement(By.id("upload-button")).click();
        screenshot("2-uploading");
        until(Duration.ofSeconds(120), () -> jobs().size() == 2 && jobs().stream()
                .allMatch(job -> job.findElement(By.className("status")).getText().startsWith("Ready")));
        screenshot("3-both-ready");

        WebElement hostileJob = jobs().stream().filter(job -> job.findElement(By.className("name")).getText().equals(HOSTILE))
                .findFirst().orElseThrow(() -> new AssertionError("the hostile file name is not shown as text"));
        assertThat(browser.findElements(By.cssSelector("#jobs img"))).as("no element made from a file name").isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);

        WebElement job = jobs().stream().filter(j -> !j.findElement(By.className("name")).getText().equals(HOSTILE))
                .findFirst().orElseThrow(); // the other row: the jobs may finish, and be listed, in either order
        job.findElement(By.xpath(".//button[text()='Play']")).click();
        until(Duration.ofSeconds(30), () -> currentTime(job) > 1.0);
        screenshot("4-playing");

        job.findElement(By.xpath(".//button[text()='Download']")).click();
        until(Duration.ofSeconds(30), () -> mp3sIn(downloads).size() == 1);
        Path mp3 = mp3sIn(downloads).get(0);
        assertThat(mp3.getFileName().toString()).isEqualTo(clip.getFileName().toString().replace(".mp4", ".mp3"));
        assertThat(Media.probe(mp3).getFormat()).isEqualTo("mp3");

        hostileJob.findElement(By.xpath(".//button[text()='Delete']")).click();
        until(Duration.ofSeconds(20), () -> jobs().size() == 1);
        screenshot("5-after-delete");
        HttpResponse<String> list = pipeline.api().get(pipeline.api().tokenFor("web.user@e2e.example", "a long enough password"), "/jobs");
        assertThat(Api.json(list).path("total").asInt()).as("the deletion reached the API").isEqualTo(1);
    }

    private static void assertStrictContentSecurityPolicy(String page) throws Exception {
        HttpResponse<String> index = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(page)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(index.statusCode()).isEqualTo(200);
        String csp = index.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("script-src 'self'").contains("default-src 'none'").doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(index.body()).doesNotContainPattern("<script>[^<]").doesNotContain(" on" + "click=", "style=");
    }

    private List<WebElement> jobs() {
        return browser.findElements(By.cssSelector("#jobs li.job"));
    }

    private double currentTime(WebElement job) {
        List<WebElement> audio = job.findElements(By.tagName("audio"));
        if (audio.isEmpty()) {
            return 0;
        }
        Object time = ((JavascriptExecutor) browser).executeScript("return arguments[0].currentTime;", audio.get(0));
        return ((Number) time).doubleValue();
    }

    private static List<Path> mp3sIn(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".mp3")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void until(Duration timeout, java.util.function.BooleanSupplier condition) {
        try {
            new WebDriverWait(browser, timeout, Duration.ofMillis(200)).until(driver -> condition.getAsBoolean());
        } catch (RuntimeException e) {
            screenshot("failed");
            throw e;
        }
    }

    private void screenshot(String name) {
        try {
            Files.write(screenshots.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
        } catch (Exception e) {
            // a screenshot is for the reviewer; the test's verdict does not depend on it
        }
    }

    private static ChromeDriver chromium(Path downloads) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File("/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1000,1400",
                "--user-data-dir=" + downloads.getParent().resolve("chromium-profile"));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
